// The trace viewer's page (html_view.cpp fills it in): HTML, CSS and script
// in one string, with two placeholders: @@TITLE@@ (HTML-escaped text) and
// @@DATA@@ (the view's JSON, safe inside <script>). It loads nothing from
// anywhere: no external script, style, font or image.
//
// The script draws the diagram as inline SVG from the data: one lane per
// node, one row per event (row 0 the first boot), an arrow (class "arrow")
// for each delivered message from its send to its receipt, and a marker of
// its own for each other kind of event. Clicking a row (or an arrow) shows
// every node's state after that event in the side panel; the arrow keys step.
// Opened with #selftest, the page clicks through itself and writes what it
// saw into <pre id="selftest-result"> as JSON (tests/browser_test.py).
#pragma once

#include <string_view>

namespace skiff {

inline constexpr std::string_view kHtmlTemplate = R"skiffpage(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@@TITLE@@</title>
<script>
// Every error the page meets is kept, so that a test can read it back.
window.skiffErrors = [];
window.addEventListener('error', function (e) { window.skiffErrors.push('error: ' + e.message); });
window.addEventListener('unhandledrejection', function (e) { window.skiffErrors.push('rejection: ' + e.reason); });
(function () {
  var original = console.error;
  console.error = function () {
    window.skiffErrors.push('console.error: ' + Array.prototype.map.call(arguments, String).join(' '));
    return original.apply(console, arguments);
  };
})();
</script>
<style>
:root { --ink: #222; --muted: #777; --line: #d6d6d6; --bad: #c62828; --bad-bg: #fdecea; --ok: #2e7d32;
        --sel: #fff4c2; --copy: #6a1b9a; --msg: #1f4e79; --panel-w: 360px; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.35 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
header { padding: 8px 12px 6px; border-bottom: 1px solid var(--line); background: #fafafa; }
h1 { font-size: 16px; margin: 0 0 2px; }
#meta { color: var(--muted); font-size: 12px; }
#verdict { margin: 6px 0 4px; padding: 5px 8px; border-radius: 4px; cursor: pointer; }
#verdict.violation { background: var(--bad-bg); border: 1px solid var(--bad); color: var(--bad); }
#verdict.clean { background: #edf7ed; border: 1px solid var(--ok); color: var(--ok); }
#verdict.diverged { background: #fff3e0; border: 1px solid #e65100; color: #e65100; }
#controls { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; font-size: 12px; color: var(--muted); }
#controls button { font: inherit; padding: 1px 8px; }
#legend { display: block; margin-top: 4px; }
#lane-heads { display: block; position: sticky; top: 0; z-index: 1; background: #fff;
              border-bottom: 1px solid var(--line); }
#diagram { display: block; }
main { display: flex; align-items: flex-start; }
#diagram-wrap { flex: 1 1 auto; overflow: auto; height: calc(100vh - 150px); min-height: 300px; }
#panel { flex: 0 0 var(--panel-w); width: var(--panel-w); height: calc(100vh - 150px); min-height: 300px; overflow: auto;
         border-left: 1px solid var(--line); padding: 8px 10px; background: #fcfcfc; }
svg text { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 11px; }
.row { fill: transparent; cursor: pointer; scroll-margin-top: 44px; }
.row:hover { fill: #f2f6fb; }
.row.alt { fill: #fafafa; }
.row.selected { fill: var(--sel); }
.row.violation { fill: var(--bad-bg); }
.row.violation.selected { fill: #f9c9c4; }
.row.fold { fill: #eef3f8; }
.gutter { fill: #444; }
.gutter.num { fill: var(--muted); }
.gutter.fold { fill: #1f4e79; font-style: italic; }
.time-gap { stroke: #9e9e9e; stroke-width: 1; stroke-dasharray: 2 3; pointer-events: none; }
.time-gap-label { fill: #757575; font-size: 10px; pointer-events: none; }
.lane-title { font-weight: bold; font-size: 13px; text-anchor: middle; }
.lane { stroke-width: 3; }
.lane.crashed { stroke: #bbb !important; stroke-dasharray: 2 4; }
.role-pill text { font-size: 10px; fill: #fff; font-weight: bold; }
.arrow { stroke: var(--msg); stroke-width: 1.4; fill: none; cursor: pointer; }
.arrow.copy { stroke: var(--copy); stroke-dasharray: 7 3; }
.arrow.violating { stroke: var(--bad); stroke-width: 2.4; }
.arrow-label { fill: var(--msg); paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; pointer-events: none; }
.arrow-label.copy { fill: var(--copy); }
.send-dot { fill: var(--msg); }
.pending { stroke: #999; stroke-width: 1; stroke-dasharray: 2 3; fill: none; }
.drop-line { stroke: #888; stroke-width: 1.2; stroke-dasharray: 4 3; fill: none; }
.drop-x { stroke: var(--bad); stroke-width: 2.2; }
.dup { fill: #fff; stroke: var(--copy); stroke-width: 1.6; }
.crash-x { stroke: var(--bad); stroke-width: 3.2; stroke-linecap: round; }
.restart { fill: var(--ok); }
.cut { stroke: var(--bad); stroke-width: 2; }
.cut-break { stroke: var(--bad); stroke-width: 2.4; }
.heal { stroke: var(--ok); stroke-width: 2; stroke-dasharray: 6 3; }
.timer { fill: #fff; stroke: #444; stroke-width: 1.4; }
.client { fill: #ff8f00; stroke: #8a4b00; }
.client-in { stroke: #ff8f00; stroke-width: 1.6; }
.mark-label { fill: #333; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; pointer-events: none; }
.mark-label.bad { fill: var(--bad); font-weight: bold; }
.mark-label.ok { fill: var(--ok); font-weight: bold; }
.violation-ring { fill: none; stroke: var(--bad); stroke-width: 2.5; }
#panel h2 { font-size: 14px; margin: 0 0 4px; }
#panel .event-text { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; background: #f0f0f0; padding: 3px 5px; border-radius: 3px; word-break: break-word; }
#panel .explain { margin: 8px 0; padding: 6px 8px; background: var(--bad-bg); border: 1px solid var(--bad); color: var(--bad); border-radius: 4px; }
#panel .diverge { margin: 8px 0; padding: 6px 8px; background: #fff3e0; border: 1px solid #e65100; color: #e65100; border-radius: 4px; }
#panel .node { margin: 8px 0; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
#panel .node.touched { border-color: #888; }
#panel .node-title { padding: 3px 6px; background: #f3f3f3; font-weight: bold; }
#panel .node.crashed .node-title { color: #999; }
#panel .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
#panel table { border-collapse: collapse; width: 100%; font-family: "DejaVu Sans Mono", monospace; font-size: 11px; }
#panel td { padding: 1px 6px; vertical-align: top; word-break: break-word; }
#panel td.key { color: var(--muted); width: 1%; white-space: nowrap; }
#panel tr.changed td { background: var(--sel); }
#panel .net { font-size: 12px; margin-top: 8px; }
#panel ul { margin: 2px 0; padding-left: 16px; font-family: "DejaVu Sans Mono", monospace; font-size: 11px; }
</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div id="meta"></div>
  <div id="verdict" title="show this event"></div>
  <div id="controls">
    <button id="fold-all" type="button">fold runs of similar events</button>
    <button id="unfold-all" type="button">unfold all</button>
    <span>Click an event for every node's state after it; the arrow keys step forward and back.</span>
  </div>
  <svg id="legend" width="1200" height="26"></svg>
</header>
<main>
  <div id="diagram-wrap"><svg id="lane-heads"></svg><svg id="diagram"></svg></div>
  <aside id="panel"></aside>
</main>
<pre id="selftest-result" hidden></pre>
<script id="skiff-data" type="application/json">@@DATA@@</script>
<script>
'use strict';
(function () {
const DATA = JSON.parse(document.getElementById('skiff-data').textContent);
const svg = document.getElementById('diagram');
const NS = svg.namespaceURI;  // the SVG namespace, without spelling out its address
const panel = document.getElementById('panel');
const N = DATA.nodes, STEPS = DATA.steps, MSGS = DATA.messages;
const LAST = STEPS.length - 1;
const VIOLATION_ROW = DATA.violation ? DATA.violation.step : -1;

// ---- node states: the protocol's own one-line print ---------------------------
// Words are split on spaces outside brackets; the leading words before the
// first key=value are the node's "head": what it is now (for Raft, its role
// and term), shown along its lane where it changes.
function splitWords(text) {
  const out = [];
  let depth = 0, current = '';
  for (const ch of text) {
    if (ch === '[' || ch === '{' || ch === '(') depth++;
    else if ((ch === ']' || ch === '}' || ch === ')') && depth > 0) depth--;
    if (ch === ' ' && depth === 0) { if (current) out.push(current); current = ''; }
    else current += ch;
  }
  if (current) out.push(current);
  return out;
}
function parseState(text) {
  const words = splitWords(text);
  const head = [], fields = [];
  let i = 0;
  for (; i < words.length && words[i].indexOf('=') <= 0; i++) head.push(words[i]);
  for (; i < words.length; i++) {
    const eq = words[i].indexOf('=');
    if (eq > 0) fields.push([words[i].slice(0, eq), words[i].slice(eq + 1)]);
    else fields.push(['', words[i]]);
  }
  return { head: head.join(' '), role: head.length ? head[0] : '?', fields: fields };
}
const PARSED = STEPS.map(s => s.states.map(parseState));
function crashed(r, i) { return STEPS[r].crashed[i] === 1; }
function head(r, i) { return crashed(r, i) ? 'crashed' : PARSED[r][i].head; }

// Roles get colours in the order they first appear (the same trace, the same colours).
const PALETTE = ['#4e79a7', '#59a14f', '#f28e2b', '#8e6c8a', '#76b7b2', '#9c755f', '#b07aa1', '#bab0ac', '#edc948'];
const roleColor = {};
let roleCount = 0;
for (let r = 0; r <= LAST; r++)
  for (let i = 0; i < N; i++) {
    const role = PARSED[r][i].role;
    if (!(role in roleColor)) roleColor[role] = PALETTE[roleCount++ % PALETTE.length];
  }
function laneColor(r, i) { return crashed(r, i) ? '#bbb' : roleColor[PARSED[r][i].role]; }

// ---- folding runs of similar events ------------------------------------------------
// A run is at least FOLD_MIN consecutive deliveries and timer firings that
// change no node's head; the violating and the last event are never
// folded. Runs start folded when the trace is longer than AUTO_FOLD events.
const FOLD_MIN = 4, AUTO_FOLD = 60;
function similar(r) {
  const kind = STEPS[r].kind;
  if (kind !== 'deliver' && kind !== 'timer') return false;
  if (r === VIOLATION_ROW || r === LAST) return false;
  for (let i = 0; i < N; i++) if (head(r, i) !== head(r - 1, i)) return false;
  return true;
}
const groups = [], groupOf = new Array(STEPS.length).fill(-1);
for (let r = 1; r <= LAST;) {
  if (!similar(r)) { r++; continue; }
  let end = r;
  while (end + 1 <= LAST && similar(end + 1)) end++;
  if (end - r + 1 >= FOLD_MIN) {
    for (let k = r; k <= end; k++) groupOf[k] = groups.length;
    groups.push({ first: r, last: end, folded: LAST > AUTO_FOLD });
  }
  r = end + 1;
}
function hidden(r) { return groupOf[r] >= 0 && groups[groupOf[r]].folded; }

// ---- layout ------------------------------------------------------------------------
const ROW_H = 30, TOP = 8, GUTTER = 226;
const TIME_GAP_MS = 100;  // a timed trace marks jumps of virtual time this long or longer
const LANE_W = N <= 3 ? 205 : N <= 5 ? 160 : 130;
const LANE0 = GUTTER + 56;
const WIDTH = LANE0 + (N - 1) * LANE_W + 140;
function laneX(i) { return LANE0 + i * LANE_W; }
let slotOf = [], slots = 0;  // the row's slot on screen; a folded run shares one
function layout() {
  slotOf = new Array(STEPS.length);
  slots = 0;
  for (let r = 0; r <= LAST; r++) {
    if (hidden(r) && r !== groups[groupOf[r]].first) { slotOf[r] = slotOf[r - 1]; continue; }
    slotOf[r] = slots++;
  }
}
function y(r) { return TOP + slotOf[r] * ROW_H + ROW_H / 2; }
// A timed trace's event time, as a prefix of its text ("215.3 "), else "".
function timed(r) { return STEPS[r].at ? STEPS[r].at + ' ' : ''; }

// ---- drawing -------------------------------------------------------------------------
function el(name, attrs, parent, text) {
  const node = document.createElementNS(NS, name);
  for (const key in attrs) node.setAttribute(key, attrs[key]);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}
function tip(node, text) { el('title', {}, node, text); return node; }
function shorten(text, max) { return text.length <= max ? text : text.slice(0, max - 1) + '\u2026'; }
function label(m) {  // a message's type and its first fields
  const words = splitWords(m.text);
  let out = words[0] || '';
  for (let k = 1; k < words.length && (out + ' ' + words[k]).length <= 28; k++) out += ' ' + words[k];
  return out;
}
function lbl(parent, x, yy, text, cls, anchor) {
  return el('text', { x: x, y: yy, class: cls || 'mark-label', 'text-anchor': anchor || 'start' }, parent, text);
}
// A node mark's label goes on the side of the lane away from the diagram's middle.
function side(i) { return 2 * i >= N ? 1 : -1; }
function sideLabel(parent, i, yy, text, cls, gap) {
  const g = gap || 12;
  return lbl(parent, laneX(i) + side(i) * g, yy + 4, text, cls, side(i) > 0 ? 'start' : 'end');
}
function xMark(parent, x, yy, size, cls) {
  el('line', { x1: x - size, y1: yy - size, x2: x + size, y2: yy + size, class: cls }, parent);
  el('line', { x1: x - size, y1: yy + size, x2: x + size, y2: yy - size, class: cls }, parent);
}
function defs() {
  const d = el('defs', {}, svg);
  const heads = [['head', '#1f4e79'], ['head-copy', '#6a1b9a'], ['head-bad', '#c62828'], ['head-cut', '#c62828'],
                 ['head-heal', '#2e7d32'], ['head-client', '#ff8f00']];
  for (const [id, color] of heads) {
    const m = el('marker', { id: id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
                             orient: 'auto-start-reverse' }, d);
    el('path', { d: 'M0,0 L10,5 L0,10 z', fill: color }, m);
  }
}

let selected = VIOLATION_ROW >= 0 ? VIOLATION_ROW : 0;

function render() {
  layout();
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const height = TOP + slots * ROW_H + 30;
  svg.setAttribute('width', WIDTH);
  svg.setAttribute('height', height);
  defs();
  const rows = el('g', {}, svg), lanes = el('g', {}, svg), marks = el('g', {}, svg), labels = el('g', {}, svg);

  // Rows: one clickable band each (a folded run: one band), numbers and trace lines.
  for (let r = 0; r <= LAST; r++) {
    const g = groupOf[r] >= 0 ? groups[groupOf[r]] : null;
    if (hidden(r) && r !== g.first) continue;
    const top = TOP + slotOf[r] * ROW_H;
    if (hidden(r)) {
      const kinds = {};
      for (let k = g.first; k <= g.last; k++) {
        const s = STEPS[k], what = s.kind + ' ' + (s.kind === 'deliver' ? MSGS[s.msg].type : s.text.split(' ')[2]);
        kinds[what] = (kinds[what] || 0) + 1;
      }
      const summary = Object.keys(kinds).sort().map(k => kinds[k] + ' ' + k).join(', ');
      const band = el('rect', { x: 0, y: top, width: WIDTH, height: ROW_H, class: 'row fold', 'data-fold': groupOf[r] }, rows);
      tip(band, 'events ' + g.first + ' to ' + g.last + ' (no lane label changes): ' + summary + '. Click to unfold.');
      lbl(rows, 8, top + 19, shorten('+ ' + g.first + '-' + g.last + ': ' + summary, 34), 'gutter fold');
      continue;
    }
    let cls = 'row';
    if (r % 2 === 1) cls += ' alt';
    if (r === VIOLATION_ROW) cls += ' violation';
    if (r === selected) cls += ' selected';
    const band = el('rect', { x: 0, y: top, width: WIDTH, height: ROW_H, class: cls, 'data-row': r }, rows);
    tip(band, r === 0 ? 'the nodes as they boot' : timed(r) + STEPS[r].text);
    lbl(rows, 30, top + 19, String(r), 'gutter num', 'end');
    lbl(rows, 38, top + 19, shorten(timed(r) + STEPS[r].text, 29), 'gutter');
  }

  // A timed trace: where virtual time jumps between two shown rows, a dashed
  // line and the time that passed, so that quiet stretches show.
  if (DATA.timed) {
    let previous = 0;
    for (let r = 1; r <= LAST; r++) {
      if (hidden(r) && r !== groups[groupOf[r]].first) continue;
      const gap = Number(STEPS[r].at) - Number(STEPS[previous].at || 0);
      previous = groupOf[r] >= 0 && hidden(r) ? groups[groupOf[r]].last : r;
      if (!(gap >= TIME_GAP_MS)) continue;
      const top = TOP + slotOf[r] * ROW_H;
      el('line', { x1: 0, y1: top, x2: WIDTH, y2: top, class: 'time-gap' }, labels);
      lbl(labels, WIDTH - 4, top + 10, '+' + Math.round(gap) + ' ms', 'time-gap-label', 'end');
    }
  }

  // The lanes' names, above the diagram as it scrolls, with each node's head
  // after the selected event.
  const heads = document.getElementById('lane-heads');
  while (heads.firstChild) heads.removeChild(heads.firstChild);
  heads.setAttribute('width', WIDTH);
  heads.setAttribute('height', 40);
  lbl(heads, 8, 16, DATA.timed ? 'event, at ms' : 'event', 'gutter num');
  lbl(heads, GUTTER + 20, 32, 'after ' + selected + ':', 'gutter num', 'end');
  for (let i = 0; i < N; i++) {
    lbl(heads, laneX(i), 16, 'n' + (i + 1), 'lane-title', 'middle');
    tip(lbl(heads, laneX(i), 32, head(selected, i), 'mark-label', 'middle'), 'n' + (i + 1) + ' after event ' + selected);
  }

  // Lanes, coloured by role; a crashed node's lane is grey and dotted.
  for (let i = 0; i < N; i++) {
    let r = 0;
    while (r <= LAST) {
      let next = r + 1;
      while (next <= LAST && slotOf[next] === slotOf[r]) next++;
      const y1 = y(r), y2 = next <= LAST ? y(next) : y(r) + ROW_H / 2 + 10;
      const line = el('line', { x1: laneX(i), y1: y1, x2: laneX(i), y2: y2,
                                class: 'lane' + (crashed(r, i) ? ' crashed' : ''), stroke: laneColor(r, i) }, lanes);
      tip(line, 'n' + (i + 1) + ': ' + head(r, i));
      r = next;
    }
  }

  // Heads, where they change (and at boot).
  for (let i = 0; i < N; i++) {
    for (let r = 0; r <= LAST; r++) {
      if (hidden(r)) continue;
      if (r > 0 && head(r, i) === head(r - 1, i)) continue;
      const text = head(r, i);
      const g = el('g', { class: 'role-pill' }, labels);
      const w = 6.2 * text.length + 10;  // centred on the lane, just below the event
      el('rect', { x: laneX(i) - w / 2, y: y(r) + 3, width: w, height: 13, rx: 6, fill: laneColor(r, i) }, g);
      el('text', { x: laneX(i), y: y(r) + 13, 'text-anchor': 'middle' }, g, text);
    }
  }

  // Messages: an arrow for each delivery, a dashed line to a cross for each drop,
  // a faint stub for each message still in flight at the end.
  const visibleY = r => y(r);
  // Arrows leaving one send: the k-th (by receipt) has its label further along,
  // so that the labels of a broadcast do not sit on each other.
  const fanned = {}, fanIndex = {};
  for (let r = 1; r <= LAST; r++)
    if (STEPS[r].kind === 'deliver') {
      const sent = MSGS[STEPS[r].msg].sent;
      fanIndex[r] = fanned[sent] = (fanned[sent] === undefined ? 0 : fanned[sent] + 1);
    }
  for (let r = 1; r <= LAST; r++) {
    const s = STEPS[r];
    if (hidden(r)) continue;
    const bad = r === VIOLATION_ROW;
    if (s.kind === 'deliver' || s.kind === 'drop') {
      const m = MSGS[s.msg];
      const x1 = laneX(m.from), y1 = visibleY(m.sent), x2 = laneX(m.to), y2 = y(r);
      const copy = m.origin >= 0;
      el('circle', { cx: x1, cy: y1, r: 2.5, class: 'send-dot' }, marks);
      if (s.kind === 'deliver') {
        const path = el('line', { x1: x1, y1: y1, x2: x2, y2: y2, 'data-row': r,
                                  class: 'arrow' + (copy ? ' copy' : '') + (bad ? ' violating' : ''),
                                  'marker-end': 'url(#' + (bad ? 'head-bad' : copy ? 'head-copy' : 'head') + ')' }, marks);
        tip(path, (copy ? 'copy ' : '') + m.id + ' ' + m.text + ' (sent at ' + m.sent + ', delivered at ' + r + ')');
        // The label runs along the arrow, upright, just above it.
        let angle = Math.atan2(y2 - y1, x2 - x1) * 180 / Math.PI;
        if (angle > 90) angle -= 180;
        if (angle < -90) angle += 180;
        const t = Math.min(0.85, 0.55 + 0.2 * fanIndex[r]);  // nearer the receiver: arrows from one send part
        const mx = x1 + (x2 - x1) * t, my = y1 + (y2 - y1) * t;
        const text = lbl(labels, mx, my - 4, (copy ? 'copy: ' : '') + label(m), 'arrow-label' + (copy ? ' copy' : ''), 'middle');
        text.setAttribute('transform', 'rotate(' + angle.toFixed(2) + ' ' + mx + ' ' + my + ')');
      } else {
        const ex = x1 + (x2 - x1) * 0.45, ey = y2;
        tip(el('line', { x1: x1, y1: y1, x2: ex, y2: ey, class: 'drop-line', 'data-row': r }, marks),
            'dropped: ' + m.id + ' ' + m.text);
        xMark(marks, ex, ey, 5, 'drop-x');
        lbl(labels, ex + (x2 >= x1 ? 8 : -8), ey - 6, 'drop ' + m.type, 'mark-label bad', x2 >= x1 ? 'start' : 'end');
      }
    } else if (s.kind === 'duplicate') {
      const m = MSGS[s.msg], x = laneX(m.from) + (m.to > m.from ? 14 : -14), yy = y(r);
      el('circle', { cx: x - 2, cy: yy, r: 5, class: 'dup' }, marks);
      tip(el('circle', { cx: x + 2, cy: yy, r: 5, class: 'dup' }, marks), 'duplicated: ' + m.id + ' ' + m.text);
      lbl(labels, x + (m.to > m.from ? 10 : -10), yy - 6, 'duplicate ' + m.type + ' (x2)', 'mark-label',
          m.to > m.from ? 'start' : 'end');
    } else if (s.kind === 'timer') {
      const x = laneX(s.node), yy = y(r);
      tip(el('circle', { cx: x, cy: yy, r: 6, class: 'timer' }, marks), s.text);
      el('line', { x1: x, y1: yy, x2: x, y2: yy - 4, stroke: '#444', 'stroke-width': 1.2 }, marks);
      el('line', { x1: x, y1: yy, x2: x + 3, y2: yy, stroke: '#444', 'stroke-width': 1.2 }, marks);
      sideLabel(labels, s.node, yy, s.text.split(' ')[2] + ' timeout', 'mark-label', 10);
    } else if (s.kind === 'client') {
      const x = laneX(s.node), yy = y(r), d = side(s.node);
      el('line', { x1: x + d * 34, y1: yy, x2: x + d * 7, y2: yy, class: 'client-in', 'marker-end': 'url(#head-client)' }, marks);
      tip(el('rect', { x: x - 5, y: yy - 5, width: 10, height: 10, class: 'client' }, marks), s.text);
      sideLabel(labels, s.node, yy, 'client ' + s.text.split(' ')[2], 'mark-label', 38);
    } else if (s.kind === 'admin') {  // "admin N OPERATION [M]": a diamond on N's lane, an arrow to M
      const x = laneX(s.node), yy = y(r), words = s.text.split(' ');
      if (s.peer !== undefined && s.peer !== s.node) {
        const tx = laneX(s.peer);
        el('line', { x1: x, y1: yy, x2: tx + (tx > x ? -6 : 6), y2: yy, class: 'client-in', 'stroke-dasharray': '3 3',
                     'marker-end': 'url(#head-client)' }, marks);
      }
      tip(el('path', { d: 'M' + x + ',' + (yy - 7) + ' L' + (x + 7) + ',' + yy + ' L' + x + ',' + (yy + 7) + ' L' +
                       (x - 7) + ',' + yy + ' z', class: 'client' }, marks), s.text);
      sideLabel(labels, s.node, yy, words.slice(2).join(' '), 'mark-label', 12);
    } else if (s.kind === 'crash') {
      const x = laneX(s.node), yy = y(r);
      xMark(marks, x, yy, 7, 'crash-x');
      sideLabel(labels, s.node, yy, 'CRASH', 'mark-label bad');
    } else if (s.kind === 'restart') {
      const x = laneX(s.node), yy = y(r);
      tip(el('path', { d: 'M' + (x - 6) + ',' + (yy + 5) + ' L' + x + ',' + (yy - 7) + ' L' + (x + 6) + ',' + (yy + 5) + ' z',
                       class: 'restart' }, marks), s.text);
      sideLabel(labels, s.node, yy, 'restart', 'mark-label ok');
    } else if (s.kind === 'cut' || s.kind === 'heal') {
      const a = laneX(s.node), b = laneX(s.peer), yy = y(r), dir = b > a ? 1 : -1;
      const mid = (a + b) / 2;
      const line = el('line', { x1: a + dir * 4, y1: yy, x2: b - dir * 4, y2: yy, class: s.kind,
                                'marker-end': 'url(#head-' + s.kind + ')' }, marks);
      tip(line, s.text + ' (messages from n' + (s.node + 1) + ' to n' + (s.peer + 1) + ' are ' +
                (s.kind === 'cut' ? 'lost from now on' : 'delivered again') + '; the other direction is unchanged)');
      if (s.kind === 'cut') {  // a break in the line, like a cable cut through
        el('rect', { x: mid - 6, y: yy - 6, width: 12, height: 12, fill: '#fff' }, marks);
        el('line', { x1: mid - 6, y1: yy + 6, x2: mid - 1, y2: yy - 6, class: 'cut-break' }, marks);
        el('line', { x1: mid + 1, y1: yy + 6, x2: mid + 6, y2: yy - 6, class: 'cut-break' }, marks);
      }
      lbl(labels, mid, yy - 6, (s.kind === 'cut' ? 'link cut ' : 'link healed ') + 'n' + (s.node + 1) + '->n' + (s.peer + 1),
          'mark-label ' + (s.kind === 'cut' ? 'bad' : 'ok'), 'middle');
    }
    if (bad) {
      const lane = s.kind === 'deliver' ? MSGS[s.msg].to : s.node;
      el('circle', { cx: laneX(lane), cy: y(r), r: 10, class: 'violation-ring' }, marks);
    }
  }
  for (const m of MSGS) {
    if (m.fate !== 'in-flight' || hidden(m.sent)) continue;
    const x1 = laneX(m.from), y1 = y(m.sent), x2 = x1 + (laneX(m.to) - x1) * 0.22, y2 = y1 + ROW_H * 0.8;
    tip(el('line', { x1: x1, y1: y1, x2: x2, y2: y2, class: 'pending' }, marks),
        'never delivered: ' + m.id + ' ' + m.text + ' (sent at ' + m.sent + ')');
  }
}

// ---- the side panel: every node's state after the selected event ---------------------
function esc(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
function showPanel(r) {
  const s = STEPS[r];
  let html = '<h2>' + (r === 0 ? 'First boot' : 'Event ' + r + ' of ' + LAST) + (s.at ? ' at ' + s.at + ' ms' : '') +
             (s.line ? ' <small>(trace line ' + s.line + ')</small>' : '') + '</h2>';
  html += '<div class="event-text">' + esc(s.text) + '</div>';
  if (r === VIOLATION_ROW)
    html += '<div class="explain"><b>violation ' + esc(DATA.violation.invariant) + ':</b> ' +
            esc(DATA.violation.explanation) + '</div>';
  if (DATA.divergence && r === LAST)
    html += '<div class="diverge"><b>the trace does not replay past here</b> (line ' + DATA.divergence.line + '): ' +
            esc(DATA.divergence.reason) + '</div>';
  for (let i = 0; i < N; i++) {
    const p = PARSED[r][i], before = r > 0 ? PARSED[r - 1][i] : null;
    const touched = r > 0 && (s.states[i] !== STEPS[r - 1].states[i] || crashed(r, i) !== crashed(r - 1, i));
    const old = {};
    if (before) for (const [k, v] of before.fields) old[k] = v;
    html += '<div class="node' + (touched ? ' touched' : '') + (crashed(r, i) ? ' crashed' : '') + '">';
    html += '<div class="node-title"><span class="swatch" style="background:' + laneColor(r, i) + '"></span>n' + (i + 1) +
            ' ' + esc(p.head) + (crashed(r, i) ? ' (crashed)' : '') + (touched ? ' <small>changed</small>' : '') + '</div><table>';
    for (const [k, v] of p.fields) {
      const changed = before && old[k] !== v;
      html += '<tr' + (changed ? ' class="changed"' : '') + '><td class="key">' + esc(k) + '</td><td>' + esc(v) + '</td></tr>';
    }
    html += '</table></div>';
  }
  const down = s.down.map(d => 'n' + (d[0] + 1) + '->n' + (d[1] + 1));
  html += '<div class="net"><b>links down:</b> ' + (down.length ? esc(down.join(', ')) : 'none') + '</div>';
  html += '<details class="net"' + (s.flight.length <= 12 ? ' open' : '') + '><summary><b>in flight (' +
          s.flight.length + ')</b></summary><ul>';
  for (const k of s.flight) html += '<li>' + esc(MSGS[k].id + ' ' + MSGS[k].text) + '</li>';
  html += '</ul></details>';
  panel.innerHTML = html;
}

// `scroll`: bring the row into view (not when the page opens: it opens at
// the first events, with the violation in the side panel).
function select(r, scroll = true) {
  r = Math.max(0, Math.min(LAST, r));
  if (hidden(r)) groups[groupOf[r]].folded = false;
  selected = r;
  render();
  showPanel(r);
  const band = svg.querySelector('.row[data-row="' + r + '"]');
  if (scroll && band && band.scrollIntoView) band.scrollIntoView({ block: 'nearest' });
}

svg.addEventListener('click', function (e) {
  const fold = e.target.closest('[data-fold]');
  if (fold) { groups[Number(fold.getAttribute('data-fold'))].folded = false; render(); return; }
  const row = e.target.closest('[data-row]');
  if (row) select(Number(row.getAttribute('data-row')));
});
document.addEventListener('keydown', function (e) {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.key === 'ArrowDown' || e.key === 'ArrowRight') select(selected + 1);
  else if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') select(selected - 1);
  else if (e.key === 'Home') select(0);
  else if (e.key === 'End') select(LAST);
  else return;
  e.preventDefault();
});
function foldAll(folded) { for (const g of groups) g.folded = folded; if (hidden(selected)) groups[groupOf[selected]].folded = false; render(); }
document.getElementById('fold-all').addEventListener('click', () => foldAll(true));
document.getElementById('unfold-all').addEventListener('click', () => foldAll(false));
document.getElementById('fold-all').disabled = groups.length === 0;
document.getElementById('unfold-all').disabled = groups.length === 0;

// ---- header: what the run is and how it ends ------------------------------------------
document.getElementById('title').textContent = document.title;
document.getElementById('meta').textContent = DATA.protocol + ', ' + N + ' nodes, bugs ' +
    (DATA.bugs.length ? DATA.bugs.join(',') : 'none') + ', seed ' + DATA.seed + ', ' + LAST + ' events; ' +
    (DATA.timed ? 'timed run of scenario ' + DATA.timed.scenario + ': each event at its virtual time in ms (one row per event, not to scale)'
                : 'budgets ' + DATA.budgets);
const verdict = document.getElementById('verdict');
if (DATA.violation) {
  verdict.className = 'violation';
  verdict.textContent = 'violation of ' + DATA.violation.invariant +
      (DATA.timed && DATA.timed.liveness_check ? ' at the liveness check, ' + DATA.timed.liveness_check + ' ms, after event '
                                               : ' at event ') + VIOLATION_ROW + ': ' + DATA.violation.explanation;
  verdict.addEventListener('click', () => select(VIOLATION_ROW));
} else if (DATA.divergence) {
  verdict.className = 'diverged';
  verdict.textContent = 'the trace does not replay at line ' + DATA.divergence.line + ': ' + DATA.divergence.reason;
  verdict.addEventListener('click', () => select(LAST));
} else {
  verdict.className = 'clean';
  verdict.textContent = 'no violation: the run ends after ' + LAST + ' events';
}

// A legend of the marks, drawn with the same classes as the diagram.
(function legend() {
  const g = document.getElementById('legend');
  let x = 4;
  const yy = 13;
  function item(draw, text) { draw(x); x += 24; x += el('text', { x: x, y: yy + 4, class: 'mark-label' }, g, text).getComputedTextLength() + 12; }
  item(x0 => el('line', { x1: x0, y1: yy - 6, x2: x0 + 20, y2: yy + 6, class: 'arrow' }, g), 'delivered');
  item(x0 => el('line', { x1: x0, y1: yy - 6, x2: x0 + 20, y2: yy + 6, class: 'arrow copy' }, g), 'delivered copy');
  item(x0 => { el('line', { x1: x0, y1: yy - 6, x2: x0 + 14, y2: yy + 2, class: 'drop-line' }, g); xMark(g, x0 + 16, yy + 3, 4, 'drop-x'); }, 'dropped');
  item(x0 => { el('circle', { cx: x0 + 8, cy: yy, r: 5, class: 'dup' }, g); el('circle', { cx: x0 + 12, cy: yy, r: 5, class: 'dup' }, g); }, 'duplicated');
  item(x0 => el('line', { x1: x0 + 2, y1: yy - 6, x2: x0 + 12, y2: yy + 6, class: 'pending' }, g), 'never delivered');
  item(x0 => xMark(g, x0 + 10, yy, 6, 'crash-x'), 'crash');
  item(x0 => el('path', { d: 'M' + (x0 + 4) + ',' + (yy + 5) + ' L' + (x0 + 10) + ',' + (yy - 7) + ' L' + (x0 + 16) + ',' + (yy + 5) + ' z', class: 'restart' }, g), 'restart');
  item(x0 => { el('line', { x1: x0, y1: yy, x2: x0 + 20, y2: yy, class: 'cut' }, g); el('line', { x1: x0 + 8, y1: yy + 6, x2: x0 + 12, y2: yy - 6, class: 'cut-break' }, g); }, 'link cut');
  item(x0 => el('line', { x1: x0, y1: yy, x2: x0 + 20, y2: yy, class: 'heal' }, g), 'link healed');
  item(x0 => el('circle', { cx: x0 + 10, cy: yy, r: 6, class: 'timer' }, g), 'timeout');
  item(x0 => el('rect', { x: x0 + 5, y: yy - 5, width: 10, height: 10, class: 'client' }, g), 'client command');
  g.setAttribute('width', Math.ceil(x));
})();

select(selected, false);

// ---- #selftest: the page checks itself (tests/browser_test.py reads the result) -------
if (location.hash === '#selftest') {
  const result = {};
  // The page opens at its first events: the first row is in the window.
  const first = svg.querySelector('.row[data-row="0"]').getBoundingClientRect();
  const wrap = document.getElementById('diagram-wrap'), view = wrap.getBoundingClientRect();
  result.firstRowInView = wrap.scrollTop === 0 && window.scrollY === 0 && first.top >= view.top && first.bottom <= view.bottom;
  function click(node) { node.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, view: window })); }
  function key(name) { document.dispatchEvent(new KeyboardEvent('keydown', { key: name, bubbles: true, cancelable: true })); }
  function clickRow(r) {
    const band = svg.querySelector('.row[data-row="' + r + '"]');
    if (!band) return false;
    click(band);
    return true;
  }
  result.folds = groups.length;
  click(document.getElementById('unfold-all'));
  result.arrows = svg.querySelectorAll('.arrow').length;
  result.deliveries = STEPS.filter(s => s.kind === 'deliver').length;
  result.events = LAST;
  result.clickedBoot = clickRow(0);
  result.panelAtBoot = panel.textContent;
  result.violationRow = VIOLATION_ROW;
  if (VIOLATION_ROW >= 0) {
    result.clickedViolation = clickRow(VIOLATION_ROW);
    result.selectedAfterClick = selected;
    result.panelAtViolation = panel.textContent;
    key('ArrowUp');
    result.selectedAfterUp = selected;
    key('ArrowDown');
    result.selectedAfterDown = selected;
    result.panelAfterDown = panel.textContent;
  }
  result.errors = window.skiffErrors.slice();
  document.getElementById('selftest-result').textContent = JSON.stringify(result);
}
})();
</script>
</body>
</html>
)skiffpage";

}  // namespace skiff
