/*
 * One-time codes in the text of a message. A code is a short token near a word that names it
 * ("code", "PIN", "Bestätigungscode", "验证码", "код" …), or one standing on its own line in a message
 * whose subject names it. Numbers that are something else — prices, phone numbers, order numbers,
 * years, postcodes, parts of URLs and addresses — are recognised by what stands around them.
 *
 * Every regular expression here is linear: each starts with a literal or a single character class
 * and has no nested quantifiers that can match the same text two ways. An attacker writes the mail.
 */

export const MAX_CODES = 10;

// ─── Keywords ────────────────────────────────────────────────────────────────────────────────

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** Anywhere, even inside a word: "Bestätigungscode", "验证码". */
const part = (...words: string[]) => words.map(literal);
/** At the start of a word, any ending: "verif" for verify, verification, verificación. */
const stem = (...words: string[]) => words.map((w) => `(?<![\\p{L}\\p{N}])${literal(w)}`);
/** A whole word: "pin" but not "spin" or "pinned". */
const word = (...words: string[]) => words.map((w) => `(?<![\\p{L}\\p{N}])${literal(w)}(?![\\p{L}])`);

// Listed before the positive words: at one position the first alternative wins, so "code postal"
// is read as a postcode before "code" can claim it.
const NEGATIVE = [
  ...part(
    "promo code",
    "promotional code",
    "discount code",
    "coupon code",
    "gift code",
    "zip code",
    "zipcode",
    "postal code",
    "postcode",
    "area code",
    "country code",
    "barcode",
    "bar code",
    "qr code",
    "source code",
    "account number",
    "code postal",
    "code promo",
    "código postal",
    "codigo postal",
    "código promocional",
    "código de descuento",
    "gutscheincode",
    "rabattcode",
    "aktionscode",
    "postleitzahl",
    "kundennummer",
    "промокод",
    "штрихкод",
    "优惠码",
    "邮编",
    "订单",
    "电话",
    "手机号",
    "价格",
    "金额",
    "注文",
    "電話",
    "郵便番号",
    "価格",
    "金額",
  ),
  ...stem(
    "order",
    "invoice",
    "receipt",
    "tracking",
    "shipment",
    "phone",
    "customer",
    "member",
    "ticket",
    "reference",
    "flight",
    "price",
    "total",
    "subtotal",
    "amount",
    "bestell",
    "rechnung",
    "telefon",
    "auftrag",
    "sendung",
    "preis",
    "betrag",
    "commande",
    "facture",
    "téléphone",
    "montant",
    "pedido",
    "factura",
    "fatura",
    "teléfono",
    "telefone",
    "precio",
    "preço",
    "заказ",
    "телефон",
    "индекс",
    "цена",
    "сумм",
  ),
  ...word("tel", "fax", "call", "mobile", "id", "ref", "case", "zip", "plz", "cep", "prix"),
  ...["no", "nr"].map((w) => `(?<![\\p{L}\\p{N}])${w}\\.`),
];
// Words of an offer: a code on the same line as one of these is a coupon, not a one-time code.
const PROMO = [
  ...part("% off", "优惠", "折扣", "クーポン", "割引", "скидк"),
  ...stem("promo", "coupon", "voucher", "discount", "checkout", "gutschein", "rabatt", "descuento", "cupón", "cupom"),
];
const POSITIVE = [
  ...part(
    "passcode",
    "code",
    "código",
    "codigo",
    "验证码",
    "校验码",
    "动态码",
    "确认码",
    "安全码",
    "动态密码",
    "代码",
    "验证",
    "認証",
    "確認番号",
    "コード",
    "ワンタイム",
    "暗証番号",
    "パスコード",
    "код",
  ),
  ...stem(
    "verif",
    "vérif",
    "confirm",
    "bestätig",
    "bestaetig",
    "authenticat",
    "authentifi",
    "one-time",
    "one time",
    "einmal",
    "two-factor",
    "two-step",
    "2-step",
    "подтвержд",
    "одноразов",
  ),
  ...word("pin", "otp", "tan", "2fa", "mfa"),
];

const KEYWORDS = new RegExp(
  `(?<promo>${PROMO.join("|")})|(?<negative>${NEGATIVE.join("|")})|(?<positive>${POSITIVE.join("|")})`,
  "giu",
);

type KeywordKind = "positive" | "negative" | "promo";
interface Keyword {
  kind: KeywordKind;
  start: number;
  end: number;
}

function findKeywords(text: string): Keyword[] {
  const found: Keyword[] = [];
  for (const m of text.matchAll(KEYWORDS)) {
    const kind: KeywordKind = m.groups?.promo ? "promo" : m.groups?.negative ? "negative" : "positive";
    found.push({ kind, start: m.index, end: m.index + m[0].length });
  }
  return found;
}

// ─── Tokens and their shapes ─────────────────────────────────────────────────────────────────

// Letters and digits joined by single - . / _ : a date (20.11.2026), a decimal (12.99), a path or an
// identifier stays one token and so never looks like a code.
const TOKEN = /[A-Za-z0-9]+(?:[-./_][A-Za-z0-9]+)*/g;
const URL_LIKE = /\b(?:https?|ftp):\/\/[^\s<>"]*|\bwww\.[^\s<>"]*/gi;
const FULLWIDTH = /[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g;

type Shape = "digits" | "grouped" | "alphanumeric";

const UNIT_SUFFIX = /^\d+(?:st|nd|rd|th|px|pt|em|am|pm|kb|mb|gb|tb|mg|kg|km|ml|hz|khz|mhz|ghz|fps|dpi|p|k|x|h|m|s|ms|min)$/i;

function shapeOf(token: string): Shape | null {
  if (/^\d{4,8}$/.test(token)) return "digits";
  if (/^(?:\d{3}-\d{3}|\d{4}-\d{4})$/.test(token)) return "grouped";
  if (!/\d/.test(token)) return null;
  if (/^[A-Za-z0-9]{4,10}$/.test(token)) {
    const letters = token.replace(/\d/g, "");
    const oneCase = letters === letters.toUpperCase() || letters === letters.toLowerCase();
    return letters && oneCase && !UNIT_SUFFIX.test(token) ? "alphanumeric" : null;
  }
  // G-482913, ABC-123: upper case and digits around one hyphen.
  if (/^[A-Z0-9]{1,5}-[A-Z0-9]{3,8}$/.test(token) && /[A-Z]/.test(token)) return "alphanumeric";
  return null;
}

const BEFORE_EXCLUDED = /[#№@$€£¥₹₽+\\=&?%~]|[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}]/u;
const AFTER_EXCLUDED = /[@%€$£¥₹₽元円\\=&]|[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}]/u;
const CURRENCY_BEFORE = /(?:[$€£¥₹₽]|\b(?:EUR|USD|GBP|CHF|RMB|CNY|JPY|RUB))\s?$/i;
const CURRENCY_AFTER = /^\s?(?:[€$£¥₹₽元円%]|(?:EUR|USD|GBP|CHF|RMB|CNY|JPY|RUB|руб|kr)(?![\p{L}]))/iu;
// "expires in 1440 minutes", "1200 px": a quantity, in any of the languages the keywords cover.
const UNIT_AFTER =
  /^\s?(?:sec|min|hour|hr|day|week|month|year|px|kb|mb|gb|stunde|tag|woche|heure|jour|semaine|hora|día|dia|semana|сек|мин|час|дн|秒|分|小时|时|天|時間|日)/iu;
// Phone numbers and bank details come in groups of digits: "030 1234 5678", "(0)30 123456".
const DIGIT_GROUP_BEFORE = /\d[ .)-]{1,2}$/;
const DIGIT_GROUP_AFTER = /^[ .(-]{1,2}\d/;
// "10115 Berlin", "Springfield, IL 62704", "1234 Market St".
const PLACE_AFTER = /^ [A-ZÄÖÜ][a-zäöüß]/;
const STATE_BEFORE = /\b[A-Z]{2} $/;
const YEAR = /^(?:19|20)\d\d$/;

/** True when what stands around the token says it is something other than a code. */
function looksLikeSomethingElse(text: string, start: number, end: number): boolean {
  const before = text.slice(Math.max(0, start - 4), start);
  const after = text.slice(end, end + 5);
  const prev = before.slice(-1);
  const next = after.slice(0, 1);
  return (
    (prev !== "" && BEFORE_EXCLUDED.test(prev)) ||
    (next !== "" && AFTER_EXCLUDED.test(next)) ||
    CURRENCY_BEFORE.test(before) ||
    CURRENCY_AFTER.test(after) ||
    UNIT_AFTER.test(text.slice(end, end + 8)) ||
    DIGIT_GROUP_BEFORE.test(before) ||
    DIGIT_GROUP_AFTER.test(after)
  );
}

// ─── Scoring ─────────────────────────────────────────────────────────────────────────────────

/** How far a naming word may stand from its code: right before it, anywhere before it, right after. */
const DIRECT_DISTANCE = 40;
const NEGATIVE_DISTANCE = 24;
const NEAR_BEFORE = 160;
const NEAR_AFTER = 40;
/** A code alone on its line may stand this far below the word that introduces it. */
const ISOLATED_BEFORE = 400;

interface Candidate {
  code: string;
  score: number;
  position: number;
}

interface Segment {
  text: string;
  /** A segment's candidates come before later ones at equal score (the subject's first). */
  offset: number;
  /** The subject names a code: a token alone on its line needs no word beside it. */
  subjectNamesCode: boolean;
  inSubject: boolean;
}

/** The lines of a text as [start, end) offsets. */
function lineBounds(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

function candidatesIn(segment: Segment): Candidate[] {
  const { text } = segment;
  // Only tokens with a digit can be codes (or end a word's claim); without one shaped like a code
  // the keyword scan, the costly part on every message received, has nothing to decide.
  const digitTokens = [...text.matchAll(TOKEN)].filter((m) => /\d/.test(m[0]));
  if (!digitTokens.some((m) => shapeOf(m[0]) !== null)) return [];
  const keywords = findKeywords(text);
  const lineStarts = lineBounds(text);
  const promoLines = new Set<number>();
  {
    let line = 0;
    for (const k of keywords) {
      if (k.kind !== "promo") continue;
      while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= k.start) line++;
      promoLines.add(line);
    }
  }
  const words = keywords.filter((k) => k.kind !== "promo");

  const out: Candidate[] = [];
  let nextWord = 0; // first naming word not yet before the current token
  let lastWord: Keyword | undefined; // the naming word closest before the token
  let lastPositiveEnd = Number.NEGATIVE_INFINITY;
  let lastDigitTokenEnd = Number.NEGATIVE_INFINITY;
  let line = 0;

  for (const m of digitTokens) {
    const token = m[0];
    const start = m.index;
    const end = start + token.length;
    while (nextWord < words.length && words[nextWord]!.end <= start) {
      lastWord = words[nextWord]!;
      if (lastWord.kind === "positive") lastPositiveEnd = lastWord.end;
      nextWord++;
    }
    while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= start) line++;
    // Only the first number after a word is the one it names: "code for order 10482 is 482913".
    const named = lastWord && lastWord.end > lastDigitTokenEnd ? lastWord : undefined;
    lastDigitTokenEnd = end;

    const shape = shapeOf(token);
    if (!shape || promoLines.has(line) || looksLikeSomethingElse(text, start, end)) continue;
    const directDistance = named ? start - named.end : Number.POSITIVE_INFINITY;
    if (named?.kind === "negative" && directDistance <= NEGATIVE_DISTANCE) continue;

    const direct = named?.kind === "positive" && directDistance <= DIRECT_DISTANCE;
    const before = start - lastPositiveEnd;
    const following = words[nextWord];
    const lineEnd = (lineStarts[line + 1] ?? text.length + 1) - 1;
    const after = following?.kind === "positive" && following.start <= lineEnd ? following.start - end : Number.POSITIVE_INFINITY;
    const isolated = isAloneOnLine(text, lineStarts[line]!, lineEnd, token);

    if (!direct) {
      if (YEAR.test(token)) continue;
      const place = PLACE_AFTER.test(text.slice(end, end + 3)) || STATE_BEFORE.test(text.slice(Math.max(0, start - 4), start));
      if (place) continue;
    }
    const near =
      shape === "alphanumeric" ? before <= NEAR_BEFORE / 2 || after <= NEAR_AFTER : before <= NEAR_BEFORE || after <= NEAR_AFTER;
    const introduced = isolated && (segment.subjectNamesCode || before <= ISOLATED_BEFORE);
    if (!direct && !near && !introduced) continue;

    let score = 0;
    if (direct) score += 60 - Math.floor(directDistance / 4);
    if (before <= NEAR_BEFORE) score += 30;
    if (after <= NEAR_AFTER) score += 35;
    if (isolated) score += 25;
    if (segment.inSubject) score += 10;
    score += shape === "digits" ? (token.length === 6 ? 12 : 6) : shape === "grouped" ? 4 : 0;
    out.push({ code: token, score, position: segment.offset + start });
  }
  return out;
}

/** The line holds the token and nothing else but decoration ("Code: " excluded: that is a word). */
function isAloneOnLine(text: string, lineStart: number, lineEnd: number, token: string): boolean {
  if (lineEnd - lineStart > token.length + 16) return false;
  return text.slice(lineStart, lineEnd).replace(/[\s*_.,;:!()[\]"'«»„“”「」【】]/g, "") === token;
}

// ─── Entry ───────────────────────────────────────────────────────────────────────────────────

/** Text a code is looked for in: fullwidth digits and letters as ASCII, URLs blanked out. */
export function prepareText(text: string): string {
  return text
    .replace(FULLWIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(URL_LIKE, (url) => " ".repeat(url.length));
}

/** One-time codes in the subject and body text, the likeliest first, each once. */
export function findCodes(subject: string, body: string): string[] {
  const subjectText = prepareText(subject.replace(/\s+/g, " "));
  const subjectNamesCode = findKeywords(subjectText).some((k) => k.kind === "positive");
  const candidates = [
    ...candidatesIn({ text: subjectText, offset: 0, subjectNamesCode, inSubject: true }),
    ...candidatesIn({ text: prepareText(body), offset: subjectText.length + 1, subjectNamesCode, inSubject: false }),
  ];
  candidates.sort((a, b) => b.score - a.score || a.position - b.position);
  const codes: string[] = [];
  for (const { code } of candidates) {
    if (!codes.includes(code)) codes.push(code);
    if (codes.length === MAX_CODES) break;
  }
  return codes;
}
