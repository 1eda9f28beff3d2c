// What each lane shows: which artifact type feeds it, which jump kind moves through it,
// and how its artifacts split into rows (one per person, one per object label).
export const LANES = [
  { kind: "scene", type: "scene", title: "Scenes", jump: "scene" },
  { kind: "transcript", type: "transcript.segment", title: "Transcript", jump: "transcript", confidence: true },
  { kind: "ocr", type: "ocr.text", title: "On-screen text", jump: "ocr", confidence: true },
  { kind: "face", type: "face.detection", title: "Faces", jump: "face", filter: "person", confidence: true },
  { kind: "object", type: "object.detection", title: "Objects", jump: "object", filter: "label", confidence: true },
  { kind: "place", type: "place.classification", title: "Places", jump: "place", filter: "label", confidence: true },
  { kind: "frame", type: "frame.selection", title: "Selected frames", jump: "frame" },
];

// the row an artifact belongs to, and the jump filter that row stands for
export function rowOf(lane, artifact) {
  const payload = artifact.payload;
  if (lane.kind === "face") {
    const cluster = payload.cluster_id;
    return cluster === null || cluster === undefined
      ? { key: "none", title: "Unknown person", filter: {} }
      : { key: `p${cluster}`, title: `Person ${cluster}`, filter: { face_cluster_id: cluster } };
  }
  if (lane.kind === "object") {
    return { key: payload.label, title: payload.label, filter: { label: payload.label } };
  }
  if (lane.kind === "place") {
    const label = payload.predictions[0].label;
    return { key: label, title: label, filter: { label } };
  }
  return { key: "all", title: "", filter: {} };
}

export function itemText(lane, artifact) {
  const payload = artifact.payload;
  switch (lane.kind) {
    case "scene":
      return `Scene ${payload.scene_index + 1}`;
    case "transcript":
    case "ocr":
      return payload.text;
    case "face":
      return `Person ${payload.cluster_id ?? "?"} (${Math.round(payload.confidence * 100)}%)`;
    case "object":
      return `${payload.label} #${payload.track_id ?? "?"} (${Math.round(payload.confidence * 100)}%)`;
    case "place":
      return payload.predictions.map((p) => `${p.label} ${Math.round(p.confidence * 100)}%`).join(", ");
    case "frame":
      return `Frame Selection Type: ${payload.kind}`;
    default:
      return artifact.artifact_type;
  }
}

// does an artifact pass the filters a jump would apply (so a jump is only asked for when
// one exists, and the API's strict next/prev answers it)
export function passes(artifact, filter) {
  const payload = artifact.payload;
  if (filter.face_cluster_id !== undefined && payload.cluster_id !== filter.face_cluster_id) {
    return false;
  }
  if (filter.label !== undefined) {
    const label = payload.label ?? payload.predictions?.[0]?.label;
    if (label !== filter.label) return false;
  }
  if (filter.min_confidence !== undefined) {
    const confidence = payload.confidence ?? payload.predictions?.[0]?.confidence ?? 1;
    if (confidence < filter.min_confidence) return false;
  }
  return true;
}
