/**
 * The TRL card as HTML: the Markdown rendering turned into HTML by `marked`, as a fragment for the
 * web page and as a standalone page (`mltrl card --format html`) with a small stylesheet that
 * highlights flagged risks and reads well on a phone.
 */
import { html, raw } from 'hono/html';
import { marked } from 'marked';
import type { CardView } from '../../machines/status.js';
import { htmlString, type Html } from '../render/markup.js';
import { cardToMarkdown } from './markdown.js';

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #fff; }
  main { max-width: 70rem; margin: 0 auto; padding: 1rem; }
  h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; margin-top: 2rem; }
  table { border-collapse: collapse; display: block; overflow-x: auto; margin: .5rem 0; }
  th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f6f8fa; }
  mark { background: #ffd8a8; color: #7a2e00; font-weight: 600; padding: 0 .2rem; border-radius: .2rem; }
`;

/**
 * The card's sections as an HTML fragment. Safe to insert as it is: the Markdown escapes every
 * piece of user text (`text` in ./markdown.ts), so the only markup `marked` makes is the card's own.
 */
export function cardToHtmlFragment(card: CardView): Html {
  return raw(marked.parse(cardToMarkdown(card), { async: false }));
}

export function cardToHtml(card: CardView): string {
  return htmlString(html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TRL card: ${card.summary.techName}</title>
<style>${raw(STYLE)}</style>
</head>
<body><main>
${cardToHtmlFragment(card)}
</main></body>
</html>
`);
}
