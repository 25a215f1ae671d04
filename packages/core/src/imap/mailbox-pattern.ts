/**
 * LIST/LSUB pattern matching (RFC 3501 6.3.8): "*" matches anything, "%" anything but the hierarchy
 * delimiter. Matched by stepping a set of pattern positions over the name, O(name × pattern), so a
 * hostile pattern like "%*%*%*…" cannot blow up the way a backtracking regex would.
 */

export type MailboxMatcher = (name: string) => boolean;

export function listPatternMatcher(pattern: string, delimiter: string): MailboxMatcher {
  const tokens = [...pattern];
  return (name) => {
    let states = closure(new Set([0]), tokens);
    for (const char of name) {
      const next = new Set<number>();
      for (const state of states) {
        const token = tokens[state];
        if (token === "*" || (token === "%" && char !== delimiter)) next.add(state);
        else if (token === char) next.add(state + 1);
      }
      if (next.size === 0) return false;
      states = closure(next, tokens);
    }
    return states.has(tokens.length);
  };
}

/** Wildcards also match the empty string: a state on one may step past it for free. */
function closure(states: Set<number>, tokens: string[]): Set<number> {
  const out = new Set(states);
  for (let state = 0; state <= tokens.length; state++) {
    if (out.has(state) && (tokens[state] === "*" || tokens[state] === "%")) out.add(state + 1);
  }
  return out;
}

/** The pattern a LIST reference and mailbox argument stand for together (RFC 3501 6.3.8). */
export function joinListReference(reference: string, pattern: string, delimiter: string): string {
  // An absolute pattern ignores the reference; otherwise the two are simply concatenated.
  return pattern.startsWith(delimiter) ? pattern : reference + pattern;
}
