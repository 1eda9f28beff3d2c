// The frame-selection gallery: each selected frame with "Frame Selection Type: <Type>";
// targets beside their reference where the frame-selection endpoint lists them.
import { api } from "./api.js";
import { clock, h } from "./dom.js";

function frameUrl(videoId, frameIndex) {
  return `/v1/videos/${encodeURIComponent(videoId)}/frames/${frameIndex}.jpg`;
}

function figure(src, caption, alt) {
  return h("figure", {}, h("img", { src, alt, loading: "lazy", width: 240 }), h("figcaption", {}, caption));
}

// target frames by the reference frame they match, when the server can say
async function targetsOf(videoId) {
  const data = await api(`/v1/videos/${encodeURIComponent(videoId)}/frame-selection`).catch(() => null);
  const targets = new Map();
  for (const entry of data?.selections ?? []) {
    for (const target of entry.targets ?? []) {
      if (!target.video_id) continue;
      const list = targets.get(entry.frame_index) ?? [];
      list.push(target);
      targets.set(entry.frame_index, list);
    }
  }
  return targets;
}

export async function frameGallery(videoId, artifacts, seek) {
  if (!artifacts || artifacts.length === 0) return [];
  const targets = await targetsOf(videoId);
  const cards = artifacts.map((artifact) => {
    const payload = artifact.payload;
    const label = `Frame Selection Type: ${payload.kind}`;
    const pictures = [figure(frameUrl(videoId, payload.frame_index), `reference · frame ${payload.frame_index}`, label)];
    for (const target of targets.get(payload.frame_index) ?? []) {
      pictures.push(figure(frameUrl(target.video_id, target.frame_index ?? payload.frame_index), `target · ${target.role ?? "tgt"}`, label));
    }
    return h("article", { class: "selection", dataset: { artifactId: artifact.artifact_id } },
      h("button", { type: "button", class: "selection-seek", onclick: () => seek(artifact.span_start_ms) },
        h("strong", {}, label), " ", h("time", {}, clock(artifact.span_start_ms))),
      h("div", { class: "pictures" }, pictures));
  });
  return [h("h2", {}, "Selected frames"), h("div", { class: "selection-grid" }, cards)];
}
