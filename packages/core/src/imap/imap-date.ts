/**
 * IMAP dates: `date` (`1-Feb-1994`, for SEARCH) and `date-time` (`"17-Jul-1996 02:44:25 -0700"`, for
 * APPEND and INTERNALDATE), RFC 3501 section 9. Month names are case-insensitive on input.
 */

export interface ImapDate {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `date-text`: 1*2DIGIT "-" month "-" 4DIGIT; null when malformed or not a calendar day. */
export function parseImapDate(text: string): ImapDate | null {
  const match = /^([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})$/.exec(text);
  if (!match) return null;
  return calendarDay(Number(match[3]), MONTHS.indexOf(match[2]!.toLowerCase()) + 1, Number(match[1]));
}

/** `date-time` without its quotes: day-fixed "-" month "-" year SP hh:mm:ss SP zone. */
export function parseImapDateTime(text: string): Date | null {
  const match = /^([ 0-9][0-9])-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})$/.exec(text);
  if (!match) return null;
  const [, day, month, year, hours, minutes, seconds, sign, zoneHours, zoneMinutes] = match;
  const date = calendarDay(Number(year), MONTHS.indexOf(month!.toLowerCase()) + 1, Number(day!.trim()));
  if (!date || Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 60) return null;
  if (Number(zoneMinutes) > 59) return null;
  const offset = (sign === "-" ? -1 : 1) * (Number(zoneHours) * 60 + Number(zoneMinutes));
  const utc = Date.UTC(date.year, date.month - 1, date.day, Number(hours), Number(minutes), Number(seconds));
  return new Date(utc - offset * 60_000);
}

function calendarDay(year: number, month: number, day: number): ImapDate | null {
  if (month < 1 || day < 1) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth ? { year, month, day } : null;
}

/** A `date-time` value, quotes included, in the given zone offset (minutes east of UTC). */
export function formatImapDateTime(date: Date, offsetMinutes = 0): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  const day = String(local.getUTCDate()).padStart(2, " ");
  const sign = offsetMinutes < 0 ? "-" : "+";
  const zone = `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}${pad(Math.abs(offsetMinutes) % 60)}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  return `"${day}-${MONTH_NAMES[local.getUTCMonth()]}-${local.getUTCFullYear()} ${time} ${zone}"`;
}

/** A SEARCH `date` as a UTC midnight, for comparisons that ignore time and zone (RFC 3501 6.4.4). */
export function imapDateToUtc(date: ImapDate): Date {
  return new Date(Date.UTC(date.year, date.month - 1, date.day));
}
