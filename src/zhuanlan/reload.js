// zhuanlan preview: reload the page when a new build is published, and show build
// problems over the page while the last build failed. Injected by `zhuanlan serve` only.
(() => {
  "use strict";
  const script = document.currentScript;
  const generation = Number(script && script.dataset.generation);
  const OVERLAY_ID = "zhuanlan-problems";

  function clearOverlay() {
    const old = document.getElementById(OVERLAY_ID);
    if (old) old.remove();
  }

  function element(tag, text, style) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (style) node.setAttribute("style", style);
    return node;
  }

  function showOverlay(problems) {
    clearOverlay();
    const overlay = element("section", undefined,
      "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
      "background:rgba(20,20,20,.92);color:#fff;font:16px/1.6 system-ui,'PingFang SC'," +
      "'Microsoft YaHei','Noto Sans CJK SC',sans-serif;text-align:left;text-indent:0");
    overlay.id = OVERLAY_ID;
    overlay.setAttribute("role", "alert");
    overlay.setAttribute("lang", "zh-CN");
    overlay.append(element("h2", `构建失败：共 ${problems.length} 个问题`,
      "margin:0 0 .5rem;font-size:1.5rem;color:#ffd24d"));
    overlay.append(element("p", "页面显示的是上一次成功的构建。修改文件并保存后，页面会自动刷新。",
      "margin:0 0 1rem"));
    const list = element("ol", undefined, "margin:0;padding-left:1.5rem");
    for (const problem of problems) {
      const item = element("li", undefined, "margin:0 0 1rem");
      const where = problem.field ? `${problem.location} ${problem.field}：` : `${problem.location}：`;
      item.append(element("code", where, "color:#ffd24d;font-size:1rem"));
      item.append(element("span", problem.message));
      if (problem.hint) item.append(element("div", `提示：${problem.hint}`, "color:#ddd"));
      list.append(item);
    }
    overlay.append(list);
    const hide = element("button", "暂时隐藏",
      "margin-top:1rem;font:inherit;padding:.25rem 1rem;cursor:pointer");
    hide.addEventListener("click", clearOverlay);
    overlay.append(hide);
    document.body.append(overlay);
  }

  const events = new EventSource("/__zhuanlan__/events");
  events.addEventListener("state", (event) => {
    const state = JSON.parse(event.data);
    if (state.problems.length) {
      showOverlay(state.problems);
    } else if (state.generation !== generation) {
      location.reload();
    } else {
      clearOverlay();
    }
  });
})();
