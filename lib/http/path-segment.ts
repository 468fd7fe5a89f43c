/**
 * One segment of a request path, decoded the way Express decodes a route
 * parameter, for the handlers that match their few paths by hand.
 */
import { BadRequestError } from './errors.js';

/** `%xx` escapes decoded; a malformed escape is a 400, as it is for an Express route parameter. */
export function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequestError(`Failed to decode param '${segment}'`);
  }
}
