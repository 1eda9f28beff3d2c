// The library: every video with its duration and the state of its analyzers, and a
// search over the whole library (every kind whose text find searches: transcript,
// on-screen text, ...), each hit a deep link with the snippet of its text.
import { api, query } from "./api.js";
import { clock, fileName, h, message, snippet } from "./dom.js";
import { sourceBadge, textLanes } from "./lanes.js";

function latestRunPerAnalyzer(runs) {
  const byVideo = new Map();
  for (const run of runs) { // newest first
    const analyzers = byVideo.get(run.video_id) ?? new Map();
    if (!analyzers.has(run.analyzer)) analyzers.set(run.analyzer, run);
    byVideo.set(run.video_id, analyzers);
  }
  return byVideo;
}

async function search(text, videos, results) {
  results.replaceChildren();
  if (!text) return;
  const lanes = await textLanes();
  const found = await Promise.all(
    lanes.map((lane) => api(`/v1/jump/global?${query({ kind: lane.kind, query: text, limit: 100 })}`)),
  );
  const hits = found
    .flatMap(({ results: targets }, index) => targets.map((target) => ({ ...target, source: lanes[index].kind })))
    .sort((a, b) => a.video_id.localeCompare(b.video_id) || a.jump_to.start_ms - b.jump_to.start_ms);
  if (hits.length === 0) results.append(h("li", { class: "empty" }, "no matches"));
  for (const hit of hits) {
    const seconds = (hit.jump_to.start_ms / 1000).toString();
    results.append(h("li", {},
      h("a", { href: `/videos/${encodeURIComponent(hit.video_id)}?t=${seconds}`, class: "global-hit" },
        sourceBadge(lanes, hit.source),
        h("span", {}, fileName(videos.get(hit.video_id)?.path ?? hit.video_id)),
        h("time", {}, clock(hit.jump_to.start_ms)),
        (hit.texts ?? []).map((matched) => h("span", { class: "snippet" }, snippet(matched.snippet))))));
  }
}

export async function libraryPage(main) {
  document.title = "Library · Eioku";
  const [{ videos }, { runs }] = await Promise.all([api("/v1/videos"), api("/v1/runs?limit=1000")]);
  const byId = new Map(videos.map((video) => [video.video_id, video]));
  const runsByVideo = latestRunPerAnalyzer(runs);
  const results = h("ol", { class: "global-results", "aria-label": "library search results" });
  const input = h("input", { type: "search", placeholder: "Find words said or shown in any video", "aria-label": "search the library" });
  const form = h("form", { class: "find", role: "search", onsubmit: (event) => {
    event.preventDefault();
    search(input.value.trim(), byId, results).catch((error) => results.replaceChildren(message(error.message, "error")));
  } }, input, h("button", { type: "submit" }, "Search"));
  const rows = videos.map((video) => {
    const analyzers = [...(runsByVideo.get(video.video_id)?.values() ?? [])];
    return h("tr", { dataset: { videoId: video.video_id } },
      h("td", {}, h("a", { href: `/videos/${encodeURIComponent(video.video_id)}` }, fileName(video.path))),
      h("td", {}, clock(video.duration_ms)),
      h("td", {}, `${video.width}×${video.height}`),
      h("td", {}, analyzers.map((run) => h("span", { class: `chip ${run.status}`, title: `${run.profile}: ${run.status}` }, run.analyzer))));
  });
  main.append(
    h("h1", {}, "Library"),
    form,
    results,
    videos.length === 0
      ? message("No videos yet: submit one on the Runs page, or run `eioku analyze FILE`.")
      : h("table", { class: "videos" },
        h("thead", {}, h("tr", {}, h("th", {}, "Video"), h("th", {}, "Duration"), h("th", {}, "Size"), h("th", {}, "Analyzers"))),
        h("tbody", {}, rows)),
  );
}
