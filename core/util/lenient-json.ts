/** A response body as JSON when it is JSON; undefined when it is empty or not (a proxy's HTML error page). */
export function jsonOrUndefined(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
