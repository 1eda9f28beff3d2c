// Small DOM helpers: elements from a tag, attributes and children; times and names.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key === "style") {
      for (const [name, setting] of Object.entries(value)) {
        if (setting === null || setting === undefined) continue;
        if (name.startsWith("--")) element.style.setProperty(name, setting);
        else element.style[name] = setting;
      }
    }
    else if (key in element && typeof value !== "string") element[key] = value;
    else element.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function clock(ms) {
  const total = Math.max(0, ms) / 1000;
  const minutes = Math.floor(total / 60);
  const seconds = total - minutes * 60;
  return `${minutes}:${seconds.toFixed(1).padStart(4, "0")}`;
}

export function fileName(path) {
  return path.split(/[\\/]/).pop() || path;
}

// a snippet whose hits the API wrapped in <mark>…</mark>, built as text nodes (never HTML)
export function snippet(text) {
  const parts = text.split(/<mark>|<\/mark>/);
  return parts.map((part, index) => (index % 2 === 1 ? h("mark", {}, part) : part));
}

export function message(text, kind = "info") {
  return h("p", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

export function shortId(id) {
  return id.slice(0, 8);
}
