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
header.site nav { display: flex; flex-wrap: wrap; align-items: center; gap: .25rem; }
header.site .viewer { margin-left: auto; display: flex; align-items: center; gap: .75rem; }
header.site form.sign-out { display: inline; margin: 0; }
header.site form.sign-out button { margin: 0; padding: .3rem .8rem; background: transparent; border: 1px solid #fff; min-height: 44px; }
mark { background: #ffd8a8; color: #7a2e00; font-weight: 600; padding: 0 .2rem; border-radius: .2rem; }
.trl-card table, .metrics table { border-collapse: collapse; display: block; overflow-x: auto; }
.trl-card th, .trl-card td, .metrics th, .metrics td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
.metrics figure, .history figure { margin: 1rem 0; } .metrics figcaption, .history figcaption { font-weight: 600; }
/* The charts are SVG with a viewBox: they shrink to a phone's width and keep their proportions. */
svg.marks { display: block; max-width: 100%; height: auto; }
details.figures { margin: .5rem 0 1rem; } details.figures summary { cursor: pointer; color: var(--accent); }
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
/* Forms of the signed-in person: each error under its field, in the danger colour (7:1 on white), and its input outlined. */
.field { margin: 0 0 .75rem; }
.field-error { color: var(--danger); font-weight: 600; margin: .25rem 0 0; }
ul.field-error { padding-left: 1.25rem; }
[aria-invalid="true"] { border: 2px solid var(--danger); }
.hint { color: var(--muted); font-size: .9rem; margin: 0 0 .25rem; }
fieldset { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; margin: 0 0 1rem; background: var(--paper); min-width: 0; }
legend { font-weight: 600; padding: 0 .25rem; }
input[type=number], input[type=url], input[type=email], input[type=file] { width: 100%; font: inherit; padding: .5rem; border: 1px solid var(--muted); border-radius: .25rem; }
textarea.code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9rem; }
label.inline { display: inline-flex; align-items: center; gap: .4rem; font-weight: 400; margin-right: 1rem; min-height: 44px; }
form.action { border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; margin: 0 0 1rem; background: var(--paper); }
form.action h3, form.action > h2:first-child, section.roster-role > h2 { margin-top: 0; }
a.button { display: inline-block; font-weight: 600; padding: .6rem 1.2rem; border-radius: .375rem; color: #fff; background: var(--accent); text-decoration: none; min-height: 44px; }
form.inline { display: inline; margin: 0 .5rem 0 0; }
form.stacked { margin: .5rem 0 0; min-width: 14rem; }
.schedule-note { white-space: pre-wrap; }
/* A token and the commands that use it: kept whole (no wrapping inside a token), scrolled sideways inside their box on a phone. */
pre.command { background: var(--paper); border: 1px solid var(--line); border-radius: .25rem; padding: .75rem; margin: 0 0 1rem; overflow-x: auto; max-width: 100%; font-size: .9rem; }
input.code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
ul.roster li { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem; padding: .25rem 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
ul.roster li form.inline { margin: 0; }
ul.roster li button { margin: 0; }
.live-status { min-height: 1.5rem; margin: 0 0 .5rem; }
.live-status button { margin: 0 0 0 .5rem; padding: .2rem .8rem; }
@media (min-width: 48rem) {
  dl.card { grid-template-columns: 14rem 1fr; }
  dl.card dd { margin: 0; }
  .verdicts { grid-template-columns: repeat(3, 1fr); }
  .columns { display: grid; grid-template-columns: 2fr 1fr; gap: 1rem; }
  .row3 { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0 1rem; }
}
`;
