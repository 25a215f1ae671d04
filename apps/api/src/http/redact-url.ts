/**
 * Query parameters whose value is a secret, by their decoded, lower-cased name. `input` is a tRPC
 * query's whole input, which may carry a mailbox password.
 */
const SECRET_PARAMETERS = new Set(["key", "api_key", "apikey", "token", "access_token", "password", "secret", "input"]);

/**
 * A request URL fit for the log: the value of every secret query parameter replaced, matched by its
 * name as decoded (`?%6Bey=` is `?key=`). Keys anywhere else (a path, a misnamed parameter) are
 * caught by value in the logger.
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf("?");
  if (queryStart === -1) return url;
  const hashStart = url.indexOf("#", queryStart);
  const query = url.slice(queryStart + 1, hashStart === -1 ? undefined : hashStart);
  const redacted = query
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      const name = equals === -1 ? pair : pair.slice(0, equals);
      return SECRET_PARAMETERS.has(decodeLeniently(name).toLowerCase()) ? `${name}=[redacted]` : pair;
    })
    .join("&");
  return `${url.slice(0, queryStart)}?${redacted}`;
}

function decodeLeniently(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}
