// The video page: the player, the lanes, jump (buttons and keys), find, the current
// transcript segment, which run each artifact type shows, and the frame gallery.
import { allArtifacts, api, query } from "./api.js";
import { clock, fileName, h, message, snippet } from "./dom.js";
import { frameGallery } from "./gallery.js";
import { loadLanes, passes, sourceBadge } from "./lanes.js";
import { Timeline } from "./timeline.js";

const MODES = [
  ["default", "default policy"],
  ["latest", "latest run"],
  ["best_quality", "best quality"],
];

export async function videoPage(main, videoId) {
  const base = `/v1/videos/${encodeURIComponent(videoId)}`;
  const [video, profiles, LANES] = await Promise.all([api(base), api(`${base}/profiles`), loadLanes()]);
  const policies = new Map(profiles.artifact_types.map((entry) => [entry.artifact_type, entry]));
  document.title = `${fileName(video.path)} · Eioku`;

  const player = h("video", { id: "player", controls: true, preload: "auto", src: `${base}/media` });
  const caption = h("p", { class: "caption", "aria-live": "polite" });
  const status = h("p", { class: "status-line", role: "status" });
  const findResults = h("ol", { class: "find-results", "aria-label": "find results" });
  const findInput = h("input", { type: "search", name: "q", placeholder: "Find in transcript and on-screen text", "aria-label": "find" });
  const findForm = h("form", { class: "find", role: "search", onsubmit: (event) => { event.preventDefault(); find(); } },
    findInput, h("button", { type: "submit" }, "Find"));
  const laneArtifacts = new Map();
  let activeLane = LANES[0]?.kind;
  let lastUrlUpdate = 0;

  const seek = (ms) => {
    player.currentTime = ms / 1000;
    timeline.setPlayhead(ms);
    recordPosition(ms);
  };
  const nowMs = () => Math.round(player.currentTime * 1000);

  async function jump(lane, direction, filter) {
    activate(lane.kind);
    const from = nowMs();
    const items = laneArtifacts.get(lane.kind) ?? [];
    // strict next/prev, as the API answers it; asked for only when one exists
    const candidates = items.filter((a) => passes(lane, a, filter) && (direction === "next" ? a.span_start_ms > from : a.span_start_ms < from));
    if (candidates.length === 0) {
      status.textContent = `no ${direction === "next" ? "next" : "previous"} ${lane.title.toLowerCase()} from ${clock(from)}`;
      return;
    }
    const result = await api(`${base}/jump?${query({ kind: lane.kind, direction, from_ms: from, ...filter })}`);
    const target = result.jump_to.start_ms;
    timeline.mark("jumped", result.artifact_ids);
    status.textContent = `${lane.title}: ${clock(target)}`;
    seek(target);
  }

  function activate(kind) {
    activeLane = kind;
    for (const element of timeline.element.querySelectorAll(".lane")) {
      element.classList.toggle("active", element.dataset.lane === kind);
    }
  }

  const timeline = new Timeline(video, { onSeek: seek, onJump: jump, onActivate: activate });

  async function find() {
    const q = findInput.value.trim();
    findResults.replaceChildren();
    if (!q) return;
    const { matches } = await api(`${base}/find?${query({ q, limit: 200 })}`);
    timeline.mark("hit", matches.map((m) => m.artifact_id));
    if (matches.length === 0) findResults.append(h("li", { class: "empty" }, "no matches"));
    for (const match of matches) {
      findResults.append(h("li", {},
        h("button", { type: "button", class: "find-hit", dataset: { startMs: String(match.jump_to.start_ms), artifactId: match.artifact_id }, onclick: () => seek(match.jump_to.start_ms) },
          sourceBadge(LANES, match.source),
          h("time", {}, clock(match.jump_to.start_ms)),
          h("span", { class: "snippet" }, snippet(match.snippet)))));
    }
  }

  function recordPosition(ms) {
    const url = new URL(window.location.href);
    url.searchParams.set("t", (ms / 1000).toFixed(1).replace(/\.0$/, ""));
    window.history.replaceState(window.history.state, "", url);
  }

  function currentSegment(ms) {
    const segments = laneArtifacts.get("transcript") ?? [];
    const segment = segments.find((a) => a.span_start_ms <= ms && ms <= a.span_end_ms);
    timeline.mark("current", segment ? [segment.artifact_id] : []);
    caption.textContent = segment ? segment.payload.text : "";
  }

  player.addEventListener("timeupdate", () => {
    const ms = nowMs();
    timeline.setPlayhead(ms);
    currentSegment(ms);
    if (!player.paused && performance.now() - lastUrlUpdate > 1000) {
      lastUrlUpdate = performance.now();
      recordPosition(ms);
    }
  });
  player.addEventListener("seeked", () => { currentSegment(nowMs()); });
  player.addEventListener("pause", () => recordPosition(nowMs()));
  player.addEventListener("loadedmetadata", () => {
    const t = Number(new URL(window.location.href).searchParams.get("t"));
    if (Number.isFinite(t) && t > 0) seek(Math.round(t * 1000));
  }, { once: true });

  function selectionControl(lane) {
    const entry = policies.get(lane.type);
    if (!entry || entry.profiles.length === 0) return null;
    const current = entry.policy.mode === "profile" ? `profile:${entry.policy.profile}` : entry.policy.mode;
    const options = MODES.map(([value, label]) => h("option", { value, selected: value === current }, label));
    for (const profile of entry.profiles) {
      const value = `profile:${profile.profile}`;
      options.push(h("option", { value, selected: value === current }, `profile ${profile.profile} (${profile.run_count})`));
    }
    if (entry.policy.mode === "pinned") options.push(h("option", { value: "pinned", selected: true, disabled: true }, "pinned run"));
    return h("select", {
      class: "run-select",
      "aria-label": `${lane.title}: which run`,
      title: "which run this lane shows",
      onchange: async (event) => {
        const value = event.target.value;
        const body = value.startsWith("profile:") ? { mode: "profile", profile: value.slice(8) } : { mode: value };
        await api(`${base}/selection/${encodeURIComponent(lane.type)}`, { method: "PUT", body });
        await drawLanes();
      },
    }, options);
  }

  const galleryHost = h("section", { class: "gallery", "aria-label": "selected frames" });

  async function drawLanes() {
    const loaded = await Promise.all(LANES.map((lane) => allArtifacts(videoId, lane.type)));
    timeline.element.querySelectorAll(".lane").forEach((element) => element.remove());
    timeline.inners.length = 1; // the ruler's
    timeline.playheads.length = 1;
    LANES.forEach((lane, index) => {
      laneArtifacts.set(lane.kind, loaded[index]);
      timeline.addLane(lane, loaded[index], [selectionControl(lane)].filter(Boolean));
    });
    timeline.setOffset(timeline.offset);
    timeline.setPlayhead(nowMs());
    activate(activeLane);
    galleryHost.replaceChildren(...(await frameGallery(videoId, laneArtifacts.get("frame"), seek)));
  }

  function onKey(event) {
    if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    const lane = LANES.find((l) => l.kind === activeLane);
    const chosen = timeline.filterOf(activeLane);
    const actions = {
      n: () => jump(lane, "next", chosen),
      p: () => jump(lane, "prev", chosen),
      k: () => (player.paused ? player.play() : player.pause()),
      "/": () => findInput.focus(),
      "+": () => timeline.setZoom(timeline.zoom * 2),
      "-": () => timeline.setZoom(timeline.zoom / 2),
    };
    const digit = Number(event.key);
    if (digit >= 1 && digit <= LANES.length) actions[event.key] = () => activate(LANES[digit - 1].kind);
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    Promise.resolve(action()).catch((error) => { status.textContent = error.message; });
  }
  document.addEventListener("keydown", onKey);

  main.append(
    h("div", { class: "video-page" },
      h("div", { class: "player-column" },
        h("h1", {}, fileName(video.path)),
        player,
        caption,
        status,
        h("p", { class: "keys" }, `Keys: n / p next / previous on the active lane (1–${Math.min(LANES.length, 9)} choose it), k play/pause, / find, + / − zoom.`),
      ),
      h("aside", { class: "find-column" }, findForm, findResults),
    ),
    timeline.element,
    galleryHost,
  );
  try {
    await drawLanes();
  } catch (error) {
    main.append(message(error.message, "error"));
  }
  return () => document.removeEventListener("keydown", onKey);
}
