// The timeline under the player: one lane per artifact kind, rows inside a lane, items
// drawn to scale (position and width in % of the video's duration), a playhead, zoom.
import { clock, h } from "./dom.js";
import { itemText, rowOf, valueAt } from "./lanes.js";

const MAX_ZOOM = 64;

export class Timeline {
  constructor(video, { onSeek, onJump, onActivate }) {
    this.durationMs = Math.max(video.duration_ms, 1);
    this.video = video;
    this.onSeek = onSeek;
    this.onJump = onJump;
    this.onActivate = onActivate;
    this.zoom = 1;
    this.offset = 0; // fraction of the video left of the view
    this.inners = [];
    this.playheads = [];
    this.lanes = new Map();
    this.element = h("section", { class: "timeline", "aria-label": "timeline" });
    this.ruler = h("div", { class: "ruler-inner" });
    this.pan = h("input", {
      type: "range",
      min: "0",
      max: "1000",
      value: "0",
      class: "pan",
      "aria-label": "scroll the timeline",
      oninput: () => this.setOffset(Number(this.pan.value) / 1000),
    });
    const zoomOut = h("button", { type: "button", title: "zoom out (-)", onclick: () => this.setZoom(this.zoom / 2) }, "−");
    const zoomIn = h("button", { type: "button", title: "zoom in (+)", onclick: () => this.setZoom(this.zoom * 2) }, "+");
    this.zoomLabel = h("span", { class: "zoom-label" }, "1×");
    this.element.append(
      h("div", { class: "timeline-tools" }, h("span", {}, "Zoom"), zoomOut, this.zoomLabel, zoomIn, this.pan),
      h("div", { class: "row ruler" }, h("div", { class: "row-label" }), this.track(this.ruler)),
    );
    this.drawRuler();
  }

  track(inner) {
    this.inners.push(inner);
    const playhead = h("div", { class: "playhead", "aria-hidden": "true" });
    this.playheads.push(playhead);
    inner.append(playhead);
    return h("div", { class: "track" }, inner);
  }

  drawRuler() {
    const step = niceStep(this.durationMs / (8 * this.zoom));
    for (let ms = 0; ms <= this.durationMs; ms += step) {
      this.ruler.append(h("span", { class: "tick", style: { left: this.percent(ms) } }, clock(ms)));
    }
  }

  percent(ms) {
    return `${(100 * Math.min(ms, this.durationMs)) / this.durationMs}%`;
  }

  // one lane: its header (title, prev/next, filter, run selection) and its rows
  addLane(lane, artifacts, extraControls = []) {
    const rows = new Map();
    for (const artifact of artifacts) {
      const row = rowOf(lane, artifact);
      if (!rows.has(row.key)) rows.set(row.key, { ...row, artifacts: [] });
      rows.get(row.key).artifacts.push(artifact);
    }
    const filterSelect = lane.rows !== "one" && rows.size > 0 ? this.filterSelect(lane, rows) : null;
    const confidence = lane.confidence && artifacts.length > 0
      ? h("input", { type: "number", class: "min-confidence", min: "0", max: "100", step: "5", placeholder: "min %", title: "jump only to items at least this confident (%)", "aria-label": `${lane.title}: minimum confidence in percent` })
      : null;
    const jump = (direction) => this.onJump(lane, direction, this.filterOf(lane.kind));
    const head = h(
      "div",
      { class: "lane-head" },
      h("button", { type: "button", class: "lane-title", onclick: () => this.onActivate(lane.kind) }, lane.title),
      h("span", { class: "count" }, `${artifacts.length}`),
      h("button", { type: "button", class: "jump", "data-jump": "prev", title: `previous (p)`, "aria-label": `previous ${lane.title}`, onclick: () => jump("prev") }, "◀"),
      h("button", { type: "button", class: "jump", "data-jump": "next", title: `next (n)`, "aria-label": `next ${lane.title}`, onclick: () => jump("next") }, "▶"),
      filterSelect,
      confidence,
      ...extraControls,
    );
    const body = h("div", { class: "lane-rows" });
    if (artifacts.length === 0) body.append(h("p", { class: "empty" }, "nothing found"));
    for (const row of rows.values()) body.append(this.row(lane, row));
    const element = h("div", { class: "lane", dataset: { lane: lane.kind }, style: { "--lane-color": lane.color } }, head, body);
    this.lanes.set(lane.kind, element);
    this.element.append(element);
    return element;
  }

  // the person / label and confidence filters a jump on this lane applies
  filterOf(kind) {
    const lane = this.lanes.get(kind);
    const select = lane?.querySelector(".lane-filter");
    const filter = select ? JSON.parse(select.value) : {};
    const percent = lane?.querySelector(".min-confidence")?.value;
    if (percent !== undefined && percent !== "" && Number.isFinite(Number(percent))) {
      filter.min_confidence = Math.min(1, Math.max(0, Number(percent) / 100));
    }
    return filter;
  }

  filterSelect(lane, rows) {
    const label = lane.rows === "person" ? "Every person" : "Every label";
    const options = [h("option", { value: "{}" }, label)];
    for (const row of rows.values()) {
      if (Object.keys(row.filter).length) options.push(h("option", { value: JSON.stringify(row.filter) }, row.title));
    }
    return h("select", { class: "lane-filter", "aria-label": `${lane.title}: jump filter` }, options);
  }

  row(lane, row) {
    const inner = h("div", { class: "track-inner" });
    if (lane.track) {
      for (const bar of trackBars(row.artifacts, lane.track)) {
        inner.append(h("div", { class: "bar", style: { left: this.percent(bar.start), width: this.percent(bar.end - bar.start) } }));
      }
    }
    for (const artifact of row.artifacts) inner.append(this.item(lane, artifact));
    const label = h("div", { class: "row-label", title: row.title });
    if (lane.thumbnail && row.artifacts.length) label.append(this.thumbnail(row.artifacts[0], lane.thumbnail));
    label.append(h("span", {}, row.title));
    return h("div", { class: "row", dataset: { row: row.key } }, label, this.track(inner));
  }

  item(lane, artifact) {
    const start = artifact.span_start_ms;
    const end = artifact.span_end_ms;
    const text = itemText(lane, artifact);
    const instant = end === start;
    return h(
      "button",
      {
        type: "button",
        class: `item${instant ? " instant" : ""}`,
        dataset: { startMs: String(start), endMs: String(end), artifactId: artifact.artifact_id },
        style: { left: this.percent(start), width: instant ? null : this.percent(end - start) },
        title: `${clock(start)}–${clock(end)} ${text}`,
        onclick: () => this.onSeek(start),
      },
      lane.inlineText ? h("span", {}, text) : null,
    );
  }

  // the item's box cut out of its frame, as a CSS crop of the frame endpoint's JPEG
  thumbnail(artifact, boxPath) {
    const payload = artifact.payload;
    const box = valueAt(payload, boxPath);
    const size = 36;
    const scale = size / Math.max(box.width, box.height, 1);
    return h("span", {
      class: "row-thumb",
      role: "img",
      "aria-label": "thumbnail",
      style: {
        backgroundImage: `url("/v1/videos/${encodeURIComponent(artifact.asset_id)}/frames/${payload.frame_index}.jpg")`,
        backgroundSize: `${this.video.width * scale}px ${this.video.height * scale}px`,
        backgroundPosition: `${-box.x * scale}px ${-box.y * scale}px`,
      },
    });
  }

  setPlayhead(ms) {
    const left = this.percent(ms);
    for (const playhead of this.playheads) playhead.style.left = left;
    if (this.zoom > 1) {
      const fraction = ms / this.durationMs;
      const visible = 1 / this.zoom;
      if (fraction < this.offset || fraction > this.offset + visible) this.setOffset(fraction - visible / 4);
    }
  }

  setZoom(zoom) {
    this.zoom = Math.min(MAX_ZOOM, Math.max(1, zoom));
    this.zoomLabel.textContent = `${this.zoom}×`;
    this.ruler.querySelectorAll(".tick").forEach((tick) => tick.remove());
    this.drawRuler();
    this.setOffset(this.offset);
  }

  setOffset(offset) {
    this.offset = Math.min(Math.max(0, offset), 1 - 1 / this.zoom);
    this.pan.value = String(Math.round(this.offset * 1000));
    this.pan.disabled = this.zoom === 1;
    for (const inner of this.inners) {
      inner.style.width = `${this.zoom * 100}%`;
      inner.style.marginLeft = `${-this.offset * this.zoom * 100}%`;
    }
  }

  mark(className, artifactIds) {
    for (const element of this.element.querySelectorAll(`.item.${className}`)) element.classList.remove(className);
    for (const id of artifactIds) {
      for (const element of this.element.querySelectorAll(`.item[data-artifact-id="${CSS.escape(id)}"]`)) {
        element.classList.add(className);
      }
    }
  }
}

// one bar per track: from its first to its last item
function trackBars(artifacts, trackPath) {
  const tracks = new Map();
  for (const artifact of artifacts) {
    const id = valueAt(artifact.payload, trackPath);
    if (id === null || id === undefined) continue;
    const bar = tracks.get(id) ?? { start: artifact.span_start_ms, end: artifact.span_end_ms };
    bar.start = Math.min(bar.start, artifact.span_start_ms);
    bar.end = Math.max(bar.end, artifact.span_end_ms);
    tracks.set(id, bar);
  }
  return tracks.values();
}

function niceStep(ms) {
  for (const step of [100, 250, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000]) {
    if (step >= ms) return step;
  }
  return 1800000;
}
