/**
 * Vega-Lite specs to SVG on the server: `vega-lite` compiles a spec to Vega, `vega` runs it
 * headless (`renderer: 'none'`, no canvas needed for SVG) and writes the SVG text, so pages stay
 * script-free. Vega escapes the text and attribute values it writes; the SVG goes into pages as
 * it is, with a name for screen readers added (the figures themselves are in a table beside it).
 */
import { html, raw } from 'hono/html';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { HtmlEscapedString } from 'hono/utils/html';
import { htmlString } from '../render/markup.js';

/** What every chart shares: the page's ink colour and font, no frame around the plot. */
export const CHART_CONFIG = {
  font: 'system-ui, sans-serif',
  background: '#ffffff',
  view: { stroke: null },
  axis: { labelColor: '#1b1f24', titleColor: '#1b1f24', labelFontSize: 12, titleFontSize: 12, titleFontWeight: 600, domainColor: '#4b5563', tickColor: '#4b5563', gridColor: '#e5e7eb' },
  legend: { labelColor: '#1b1f24', titleColor: '#1b1f24', labelFontSize: 12, titleFontSize: 12, orient: 'bottom', direction: 'horizontal' },
  text: { fontSize: 12, fill: '#1b1f24' },
} as const;

/**
 * The SVG of a spec, named for assistive technology: `role="img"` with the description as its
 * `aria-label` and `<title>`; the marks keep the `aria-label`s Vega writes from their
 * `description` channel. Sized by its viewBox, so the stylesheet can let it shrink on a phone.
 */
export async function chartSvg(spec: TopLevelSpec, description: string): Promise<HtmlEscapedString> {
  const compiled = compile({ ...spec, config: { ...CHART_CONFIG, ...spec.config } }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const named = svg.replace(/^<svg ([^>]*)>/, (_, attributes: string) =>
      htmlString(html`<svg ${raw(attributes)} role="img" aria-label="${description}"><title>${description}</title>`),
    );
    return raw(named);
  } finally {
    view.finalize();
  }
}
