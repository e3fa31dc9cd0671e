/** The page shell every web page shares: landmarks, a skip link, the stylesheet, the site header. */
import { html } from 'hono/html';
import type { Html } from '../../render/markup.js';
import { viewerNav } from './viewer.js';

/** A page that follows its subject (./live.ts): where its stream is, and the version it was drawn at. */
export interface LivePage {
  stream: string;
  version: string;
}

export function layout(title: string, body: Html, live?: LivePage): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${title} — mltrl</title>
<link rel="stylesheet" href="/assets/style.css" />
${live ? html`<script src="/assets/live.js" defer></script>` : ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><nav aria-label="Site"><a href="/">mltrl · ML readiness levels</a> <a class="nav" href="/">Projects</a> <a class="nav" href="/metrics">Metrics</a>${viewerNav()}</nav></header>
${live ? html`<div id="live-status" class="live-status" role="status" aria-live="polite"></div>` : ''}
<main id="main"${live ? html` data-live="${live.stream}" data-live-version="${live.version}"` : ''}>
${body}
</main>
</body>
</html>`;
}

/** A page that only says one thing: a refused link, a missing component, a result. */
export function messagePage(title: string, tone: 'ok' | 'error' | 'info', paragraphs: Html[], links: { href: string; text: string }[] = []): Html {
  return layout(
    title,
    html`<h1>${title}</h1>
<div class="notice ${tone === 'info' ? '' : tone}" role="${tone === 'error' ? 'alert' : 'status'}">
${paragraphs.map((p) => html`<p>${p}</p>`)}
</div>
${links.length ? html`<p>${links.map((l, i) => html`${i ? ' · ' : ''}<a href="${l.href}">${l.text}</a>`)}</p>` : ''}`,
  );
}
