/**
 * The one stylesheet, served at /assets/style.css (a file, not inline, so the Content Security
 * Policy can forbid inline styles and scripts). Mobile first: one column, tables scroll sideways
 * inside their wrapper; wider screens get two columns. Phase colours keep white text above 7:1.
 */
import { PHASE_COLOURS } from '../../portfolio/charts.js';

export const STYLESHEET = `
:root {
  --ink: #111827; --muted: #4b5563; --line: #d1d5db; --paper: #ffffff; --wash: #f3f4f6;
  --focus: #f59e0b; --accent: #1d4ed8; --danger: #b42318; --ok: #166534;
  --research: ${PHASE_COLOURS.research}; --prototyping: ${PHASE_COLOURS.prototyping}; --productization: ${PHASE_COLOURS.productization}; --deployment: ${PHASE_COLOURS.deployment};
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; color: var(--ink);
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--wash); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--paper); padding: .5rem 1rem; }
.skip:focus { left: 0; z-index: 1; }
header.site { background: var(--ink); color: #fff; padding: .75rem 1rem; }
header.site a { color: #fff; text-decoration: none; font-weight: 600; }
header.site a.nav { font-weight: 400; margin-left: 1rem; }
mark { background: #ffd8a8; color: #7a2e00; font-weight: 600; padding: 0 .2rem; border-radius: .2rem; }
.trl-card table, .metrics table { border-collapse: collapse; display: block; overflow-x: auto; }
.trl-card th, .trl-card td, .metrics th, .metrics td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
.metrics figure { margin: 1rem 0; } .metrics figcaption { font-weight: 600; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
section.panel { background: var(--paper); border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; margin: 0 0 1rem; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: .1rem .5rem; border-radius: 999px; color: #fff; font-weight: 600; font-size: .9rem; white-space: nowrap; }
.phase-research { background: var(--research); }
.phase-prototyping { background: var(--prototyping); }
.phase-productization { background: var(--productization); }
.phase-deployment { background: var(--deployment); }
.state { display: inline-block; padding: .1rem .5rem; border-radius: 999px; border: 1px solid var(--line); font-size: .9rem; background: var(--wash); }
.state-in-review { border-color: var(--accent); color: var(--accent); }
.state-paused { border-color: var(--productization); color: var(--productization); }
.state-retired { color: var(--muted); }
.flag { color: var(--danger); font-weight: 600; }
.table-wrap { overflow-x: auto; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
table.risk-matrix th, table.risk-matrix td { border: 1px solid var(--line); min-width: 6.5rem; }
/* Holds the cells' hidden "none" inside the scrolling wrapper, or it would widen the whole page on a phone. */
table.risk-matrix td { position: relative; }
table.risk-matrix caption { text-align: left; }
ul.entries { list-style: none; padding: 0; margin: 0; }
ul.entries li { margin: 0 0 .25rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; color: var(--muted); }
tr.flagged td { background: #fef3f2; }
dl.card { display: grid; grid-template-columns: 1fr; gap: .25rem 1rem; margin: 0; }
dl.card dt { font-weight: 600; }
dl.card dd { margin: 0 0 .5rem; white-space: pre-wrap; }
dl.answers dt { font-weight: 600; }
dl.answers dd { margin: 0 0 .75rem; white-space: pre-wrap; }
ol.timeline { padding-left: 1.25rem; }
.notice { border-left: 4px solid var(--accent); background: #eff6ff; padding: .75rem 1rem; border-radius: .25rem; margin: 0 0 1rem; }
.notice.error { border-color: var(--danger); background: #fef3f2; }
.notice.ok { border-color: var(--ok); background: #f0fdf4; }
.verdicts { display: grid; grid-template-columns: 1fr; gap: 1rem; }
form.verdict { border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; background: var(--paper); }
form.verdict h3 { margin-top: 0; }
label { display: block; font-weight: 600; margin: .5rem 0 .25rem; }
textarea, select, input[type=text] { width: 100%; font: inherit; padding: .5rem; border: 1px solid var(--muted); border-radius: .25rem; }
textarea { min-height: 5rem; }
button { font: inherit; font-weight: 600; padding: .6rem 1.2rem; border-radius: .375rem; border: 0; color: #fff; background: var(--accent); cursor: pointer; margin-top: .75rem; min-height: 44px; }
button.approve { background: var(--ok); }
button.changes { background: var(--productization); }
button.back { background: var(--danger); }
.projects { display: grid; gap: 1rem; }
@media (min-width: 48rem) {
  dl.card { grid-template-columns: 14rem 1fr; }
  dl.card dd { margin: 0; }
  .verdicts { grid-template-columns: repeat(3, 1fr); }
  .columns { display: grid; grid-template-columns: 2fr 1fr; gap: 1rem; }
}
`;
