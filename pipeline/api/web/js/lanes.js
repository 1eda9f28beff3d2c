// What each lane shows is the analyzers' declaration (GET /v1/analyzers): the artifact type
// that feeds it, the jump kind that moves through it, how its items split into rows (one
// per person, one per label), what an item says, and which payload fields hold its label,
// person and confidence. Nothing here names an analyzer.
import { api } from "./api.js";
import { h } from "./dom.js";

const LANE_COLORS = 8; // --lane-1 … --lane-8 in app.css, given out in lane order
let declared = null;

// the lanes, in their declared order; one per artifact type with a lane and a jump kind
export function loadLanes() {
  declared ??= api("/v1/analyzers").then(({ analyzers }) => {
    const lanes = new Map();
    for (const { produces } of analyzers) {
      if (produces?.lane && produces.jump_kind && !lanes.has(produces.artifact_type)) {
        lanes.set(produces.artifact_type, laneOf(produces));
      }
    }
    const sorted = [...lanes.values()].sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
    sorted.forEach((lane, index) => { lane.color = `var(--lane-${(index % LANE_COLORS) + 1})`; });
    return sorted;
  });
  declared.catch(() => { declared = null; });
  return declared;
}

function laneOf(produces) {
  const lane = produces.lane;
  return {
    kind: produces.jump_kind,
    type: produces.artifact_type,
    title: lane.title,
    order: lane.order,
    rows: lane.rows,
    item: lane.item,
    inlineText: lane.inline_text,
    track: lane.track,
    thumbnail: lane.thumbnail,
    projects: produces.projects,
    foundAs: lane.found_as ?? lane.title,
    confidence: produces.filters.includes("confidence"),
  };
}

// the lanes of the types whose text `find` searches
export async function textLanes() {
  return (await loadLanes()).filter((lane) => lane.projects.text);
}

// a find hit's source, as its lane words and colours it
export function sourceBadge(lanes, kind) {
  const lane = lanes.find((candidate) => candidate.kind === kind);
  return h("span", { class: "source", dataset: { source: kind }, style: { "--lane-color": lane?.color } }, lane?.foundAs ?? kind);
}

// the value at a dotted path of a payload ("predictions.0.label")
export function valueAt(payload, path) {
  if (!path) return undefined;
  return path.split(".").reduce((value, part) => (value === null || value === undefined ? undefined : value[part]), payload);
}

// the row an artifact belongs to, and the jump filter that row stands for
export function rowOf(lane, artifact) {
  if (lane.rows === "person") {
    const person = valueAt(artifact.payload, lane.projects.person);
    return person === null || person === undefined
      ? { key: "none", title: "Unknown person", filter: {} }
      : { key: `p${person}`, title: `Person ${person}`, filter: { face_cluster_id: person } };
  }
  if (lane.rows === "label") {
    const label = valueAt(artifact.payload, lane.projects.label);
    return { key: String(label), title: String(label), filter: { label } };
  }
  return { key: "all", title: "", filter: {} };
}

// an item's text: the lane's template ({path}, {path|percent}, {path|ordinal}), else the
// projected text, else the label
export function itemText(lane, artifact) {
  const payload = artifact.payload;
  if (lane.item) {
    return lane.item.replace(/\{([^}|]+)(?:\|(\w+))?\}/g, (_, path, format) => {
      const value = valueAt(payload, path.trim());
      if (value === null || value === undefined) return "?";
      if (format === "percent") return `${Math.round(value * 100)}%`;
      if (format === "ordinal") return String(value + 1);
      return String(value);
    });
  }
  return String(valueAt(payload, lane.projects.text) ?? valueAt(payload, lane.projects.label) ?? artifact.artifact_type);
}

// does an artifact pass the filters a jump would apply (so a jump is only asked for when
// one exists, and the API's strict next/prev answers it)
export function passes(lane, artifact, filter) {
  const payload = artifact.payload;
  if (filter.face_cluster_id !== undefined && valueAt(payload, lane.projects.person) !== filter.face_cluster_id) {
    return false;
  }
  if (filter.label !== undefined && valueAt(payload, lane.projects.label) !== filter.label) return false;
  if (filter.min_confidence !== undefined) {
    const confidence = valueAt(payload, lane.projects.confidence) ?? 1;
    if (confidence < filter.min_confidence) return false;
  }
  return true;
}
