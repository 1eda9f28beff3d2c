// Cache diagnostics: a banner when descriptors are missing or stale (Regenerate All,
// Open Diagnostics, Learn More), and the panel grouped by video then profile. Both stay
// hidden on a server without the cache API.
import { api, query } from "./api.js";
import { fileName, h, message } from "./dom.js";

const CACHE = "/v1/cache";
const PREFS_KEY = "eioku_diagnostics";
const POLL_MS = 1000;
const STATUSES = ["missing", "stale", "extraneous", "current"];
const title = (status) => status.charAt(0).toUpperCase() + status.slice(1);

async function outdated() {
  return api(`${CACHE}?${query({ status: "stale,missing", limit: 1000 })}`);
}

function countOutdated(diffs) {
  let count = 0;
  const profiles = new Set();
  for (const video of diffs.videos) {
    for (const group of video.profiles) {
      const n = group.missing.length + group.stale.length;
      if (n > 0) profiles.add(group.profile);
      count += n;
    }
  }
  return { count, profiles: [...profiles] };
}

function bannerText({ count, profiles }) {
  const noun = count === 1 ? "descriptor requires" : "descriptors require";
  return profiles.length === 1
    ? `${count} ${noun} regeneration to match the '${profiles[0]}' profile.`
    : `${count} ${noun} regeneration to match the ${profiles.map((p) => `'${p}'`).join(", ")} profiles.`;
}

function pausedLine(diffs) {
  const queues = diffs.paused_queues ?? [];
  return queues.length ? message(`Regeneration paused: no worker for ${queues.join(", ")}`, "warning") : null;
}

async function regenerate(videoId, body) {
  return api(`/v1/videos/${encodeURIComponent(videoId)}/regenerate`, { method: "POST", body });
}

export async function showCacheBanner() {
  document.getElementById("nav-diagnostics").hidden = false;
  const banner = document.getElementById("cache-banner");
  let timer = null;
  async function refresh() {
    const diffs = await outdated();
    const state = countOutdated(diffs);
    banner.hidden = state.count === 0;
    if (state.count === 0) {
      clearTimeout(timer);
      timer = null;
      return;
    }
    banner.replaceChildren(
      h("span", { class: "banner-text" }, bannerText(state)),
      h("button", { type: "button", "data-action": "regenerate-all", onclick: async () => {
        for (const video of diffs.videos) await regenerate(video.video_id, { only: ["missing", "stale"] });
        poll();
      } }, "Regenerate All"),
      h("a", { href: "/diagnostics", class: "button" }, "Open Diagnostics"),
      h("a", { href: "/diagnostics#learn-more", class: "button" }, "Learn More"),
      pausedLine(diffs) ?? "",
    );
  }
  function poll() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      await refresh().catch(() => null);
      if (timer !== null) poll();
    }, POLL_MS);
  }
  await refresh().catch(() => { banner.hidden = true; });
  window.addEventListener("eioku:cache-changed", () => refresh().then(() => timer === null || poll()).catch(() => null));
}

function preferences() {
  try {
    return { filter: "all", sort: "descriptor", ...JSON.parse(localStorage.getItem(PREFS_KEY) ?? "{}") };
  } catch {
    return { filter: "all", sort: "descriptor" };
  }
}

const SORTS = {
  descriptor: (a, b) => a.descriptor.localeCompare(b.descriptor),
  status: (a, b) => STATUSES.indexOf(a.status) - STATUSES.indexOf(b.status),
  last_analyzed_at: (a, b) => (b.last_analyzed_at ?? "").localeCompare(a.last_analyzed_at ?? ""),
};

function descriptorRow(video, group, row, refresh) {
  const act = async (action) => {
    await action().catch((error) => window.alert(error.message));
    window.dispatchEvent(new Event("eioku:cache-changed"));
    refresh();
  };
  const buttons = [
    h("button", { type: "button", "data-action": "regenerate", onclick: () => act(() => regenerate(video.video_id, {
      descriptors: [row.descriptor], profile: group.profile, force: row.status === "current" || row.status === "extraneous",
    })) }, "Regenerate"),
    row.status === "extraneous"
      ? h("button", { type: "button", "data-action": "dismiss", onclick: () => act(() => api(`/v1/videos/${encodeURIComponent(video.video_id)}/cache/dismiss`, {
        method: "POST", body: { descriptor: row.descriptor, profile: group.profile },
      })) }, "Dismiss")
      : null,
  ];
  return h("tr", { dataset: { descriptor: row.descriptor, status: row.status } },
    h("td", {}, row.descriptor),
    h("td", {}, h("span", { class: `chip ${row.status}` }, title(row.status)), row.paused ? " (paused)" : ""),
    h("td", {}, row.last_analyzed_at ? new Date(row.last_analyzed_at).toLocaleString() : "never"),
    h("td", {}, buttons));
}

export async function diagnosticsPage(main) {
  document.title = "Diagnostics · Eioku";
  main.append(h("h1", {}, "Cache diagnostics"));
  const prefs = preferences();
  const save = () => localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
  const host = h("div", { class: "diagnostics" });
  const filter = h("select", { "aria-label": "show", onchange: () => { prefs.filter = filter.value; save(); refresh(); } },
    ["all", ...STATUSES].map((value) => h("option", { value, selected: value === prefs.filter }, value === "all" ? "every status" : title(value))));
  const sort = h("select", { "aria-label": "sort by", onchange: () => { prefs.sort = sort.value; save(); refresh(); } },
    Object.keys(SORTS).map((value) => h("option", { value, selected: value === prefs.sort }, value === "last_analyzed_at" ? "last analysed" : value)));
  let timer = null;
  let stopped = false;
  async function refresh() {
    const status = prefs.filter === "all" ? undefined : prefs.filter;
    const diffs = await api(`${CACHE}?${query({ status, limit: 1000 })}`);
    const sections = diffs.videos.map((video) => h("section", { class: "cache-video", dataset: { videoId: video.video_id } },
      h("h2", {}, h("a", { href: `/videos/${encodeURIComponent(video.video_id)}` }, fileName(video.path ?? video.video_id))),
      video.profiles.map((group) => h("div", { class: "cache-profile", dataset: { profile: group.profile } },
        h("h3", {}, `Profile ${group.profile}`),
        group.message ? message(group.message, "warning") : null,
        group.summary ? h("p", { class: "summary" }, group.summary) : null,
        h("table", { class: "cache-rows" },
          h("thead", {}, h("tr", {}, ["Descriptor", "Status", "Last analysed", ""].map((name) => h("th", {}, name)))),
          h("tbody", {}, [...group.descriptors].sort(SORTS[prefs.sort] ?? SORTS.descriptor).map((row) => descriptorRow(video, group, row, refresh))))))));
    host.replaceChildren(pausedLine(diffs) ?? "", ...(sections.length ? sections : [message("Everything is current.")]));
  }
  async function poll() {
    await refresh().catch((error) => host.replaceChildren(message(error.message, "error")));
    if (!stopped) timer = setTimeout(poll, 2 * POLL_MS);
  }
  main.append(
    h("div", { class: "toolbar" }, h("label", {}, "Show ", filter), h("label", {}, "Sort by ", sort)),
    host,
    h("section", { id: "learn-more", class: "learn-more" },
      h("h2", {}, "Learn more"),
      h("p", {}, "A descriptor is one analyzer's output for a video under a profile. It is Missing when a profile asks for it and nothing is cached, Stale when the profile or model changed since it was computed, Extraneous when it is cached but no longer asked for (Dismiss hides it; nothing is deleted), Current otherwise. Regenerate computes exactly the descriptors named; the others stay untouched. See docs/cli.md, “Profiles, intents and the cache diff”.")),
  );
  await poll();
  return () => { stopped = true; clearTimeout(timer); };
}
