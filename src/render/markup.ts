/**
 * HTML is written one way everywhere: hono's `html` tagged template, which escapes every
 * interpolated value (text and attribute values alike, so it serves SVG too), and `raw` only where
 * HTML that is already safe goes in (e.g. what `marked` made of the escaped card Markdown).
 */
import type { HtmlEscapedString } from 'hono/utils/html';

/** What `html` returns: a promise only if a promise was interpolated, which our templates never do. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The markup as a string, for output that is not an HTTP response (`mltrl card --format html`, `mltrl metrics --html`). */
export function htmlString(markup: Html): string {
  if (markup instanceof Promise) throw new Error('an HTML template rendered asynchronously: templates must not interpolate promises');
  return markup.toString();
}
