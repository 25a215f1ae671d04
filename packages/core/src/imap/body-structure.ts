import { envelope } from "./envelope.js";
import type { ImapValue } from "./imap-value.js";
import type { MimePart } from "./mime-structure.js";

/**
 * BODY and BODYSTRUCTURE (RFC 3501 7.4.2) from a MIME tree. BODY is the non-extensible form;
 * BODYSTRUCTURE adds extension data (md5 or multipart parameters, disposition, language, location).
 * Types, subtypes, parameter names and encodings are upper-cased as in the RFC's examples.
 */
export function bodyStructure(part: MimePart, extended: boolean): ImapValue {
  if (part.children.length > 0) return multipartBody(part, extended);
  const { type, subtype } = part.contentType;
  const fields: ImapValue[] = [
    type.toUpperCase(),
    subtype.toUpperCase(),
    parameters(part.contentType.params),
    part.id,
    part.description,
    part.encoding,
    part.end - part.bodyStart,
  ];
  if (part.message) fields.push(envelope(part.message.headers), bodyStructure(part.message, extended), part.lines);
  else if (type === "text") fields.push(part.lines);
  if (extended) fields.push(part.md5, ...extensionTail(part));
  return fields;
}

function multipartBody(part: MimePart, extended: boolean): ImapValue {
  const children = part.children.map((child) => bodyStructure(child, extended));
  const fields: ImapValue[] = [{ sequence: children }, part.contentType.subtype.toUpperCase()];
  if (extended) fields.push(parameters(part.contentType.params), ...extensionTail(part));
  return fields;
}

/** body-fld-dsp SP body-fld-lang SP body-fld-loc */
function extensionTail(part: MimePart): ImapValue[] {
  const disposition = part.disposition ? [part.disposition.type.toUpperCase(), parameters(part.disposition.params)] : null;
  const language =
    part.language === null || part.language.length === 0 ? null : part.language.length === 1 ? part.language[0]! : part.language;
  return [disposition, language, part.location];
}

/** body-fld-param: "(" name SP value … ")" or NIL. */
function parameters(params: readonly [string, string][]): ImapValue {
  return params.length === 0 ? null : params.flatMap(([name, value]) => [name.toUpperCase(), value]);
}
