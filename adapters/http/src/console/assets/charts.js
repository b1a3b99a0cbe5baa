// Hand-written SVG charts (bars and lines) for the dashboard: no library, no inline styles (the CSP allows
// none); colours come from classes in style.css. Every point carries a <title> so hovering shows its value.

import { el, svg, fmtNum } from "./dom.js";
import { t } from "./i18n.js";

const W = 480;
const H = 200;
const PAD = { left: 46, right: 10, top: 12, bottom: 26 };

/** A "nice" upper bound for the y axis (even, so the middle grid line is a whole number too). */
function niceMax(max) {
  if (max <= 2) return 2;
  const step = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 4, 6, 8, 10]) if (m * step >= max && (m * step) % 2 === 0) return m * step;
  return 10 * step;
}

/**
 * A chart figure. `points` are `{ label, value }` (value `null` = no data that day); `kind` is "bar" or
 * "line"; `format` renders values; `fixedMax` pins the y axis (e.g. 100 for percentages).
 */
export function chart({ id, title, points, kind, format, fixedMax, detail }) {
  const fmt = format || fmtNum;
  const values = points.map((p) => p.value).filter((v) => v !== null && v !== undefined);
  const figure = el("figure", { class: "chart", id });
  figure.append(el("figcaption", {}, title));
  if (values.length === 0) {
    figure.append(el("p", { class: "empty" }, t("no_data")));
    return figure;
  }
  const top = fixedMax || niceMax(Math.max(...values));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / points.length;
  const x = kind === "bar"
    ? (i) => PAD.left + slot * i + slot / 2
    : (i) => PAD.left + (points.length === 1 ? plotW / 2 : (i * plotW) / (points.length - 1));
  const y = (v) => PAD.top + plotH - (v / top) * plotH;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: `plot plot-${kind}` });

  for (const frac of [0, 0.5, 1]) {
    const v = top * frac;
    root.append(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "grid" }));
    root.append(svg("text", { x: PAD.left - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, fmt(v)));
  }
  const labelAt = new Set([0, Math.floor((points.length - 1) / 2), points.length - 1]);
  points.forEach((p, i) => {
    if (labelAt.has(i)) {
      const anchor = i === 0 ? "start" : i === points.length - 1 ? "end" : "middle";
      const at = i === 0 ? Math.min(x(i), PAD.left) : i === points.length - 1 ? Math.max(x(i), W - PAD.right) : x(i);
      root.append(svg("text", { x: at, y: H - 8, class: "axis", "text-anchor": anchor }, p.label.slice(5)));
    }
  });

  if (kind === "bar") {
    const barW = Math.max(2, slot * 0.7);
    points.forEach((p, i) => {
      if (p.value === null || p.value === undefined) return;
      const cx = x(i);
      const bar = svg("rect", {
        x: cx - barW / 2, y: y(p.value), width: barW, height: Math.max(0, PAD.top + plotH - y(p.value)), class: "bar",
      });
      bar.append(svg("title", {}, `${p.label}: ${fmt(p.value)}${detail ? ` (${detail(p)})` : ""}`));
      root.append(bar);
    });
  } else {
    let path = "";
    points.forEach((p, i) => {
      if (p.value === null || p.value === undefined) return;
      path += `${path ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`;
    });
    root.append(svg("path", { d: path, class: "line" }));
    points.forEach((p, i) => {
      if (p.value === null || p.value === undefined) return;
      const dot = svg("circle", { cx: x(i), cy: y(p.value), r: 3, class: "dot" });
      dot.append(svg("title", {}, `${p.label}: ${fmt(p.value)}${detail ? ` (${detail(p)})` : ""}`));
      root.append(dot);
    });
  }
  figure.append(root);
  return figure;
}
