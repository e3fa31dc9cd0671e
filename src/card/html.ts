/**
 * The TRL card as a standalone HTML page: the Markdown rendering turned into HTML by `marked`
 * (user text is already escaped there), with a small stylesheet that highlights flagged risks and
 * reads well on a phone.
 */
import { marked } from 'marked';
import type { CardView } from '../../machines/status.js';
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

const escapeHtml = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The card's sections as an HTML fragment, for embedding in the web page. */
export function cardToHtmlFragment(card: CardView): string {
  return marked.parse(cardToMarkdown(card), { async: false });
}

export function cardToHtml(card: CardView): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TRL card: ${escapeHtml(card.summary.techName)}</title>
<style>${STYLE}</style>
</head>
<body><main>
${cardToHtmlFragment(card)}
</main></body>
</html>
`;
}
