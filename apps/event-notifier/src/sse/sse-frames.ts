/**
 * Server-sent events wire format (WHATWG HTML, "Server-sent events"). Pure
 * string builders: one frame per event, terminated by a blank line.
 */

/** Reconnection delay the client is told to use (`retry:`). */
export const SSE_RETRY_MS = 2_000;

/** One SSE event. */
export interface SseFrame {
  /** Becomes the client's Last-Event-ID. */
  id?: string;
  /** Event name; the client dispatches `message` when absent. */
  event?: string;
  data: string;
}

// A field value ends at CR or LF, and an id containing NUL is ignored by clients.
const singleLine = (value: string): string => value.replace(/[\r\n\0]/g, '');

/** Formats an event; multi-line data becomes several `data:` lines (the client joins them with LF). */
export function formatSseFrame(frame: SseFrame): string {
  let out = '';
  if (frame.id !== undefined) out += `id: ${singleLine(frame.id)}\n`;
  if (frame.event !== undefined) out += `event: ${singleLine(frame.event)}\n`;
  for (const line of frame.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line (ignored by clients; keeps intermediaries from timing the stream out). */
export function formatSseComment(text: string): string {
  return `: ${singleLine(text)}\n\n`;
}

/** Sets the client's reconnection delay. */
export function formatSseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}
