// 医疗创新对接: small progressive enhancements; every page works without them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // select boxes that switch a view submit their form at once
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });

  // a personal link is selected in one tap, ready to copy
  document.querySelectorAll("input[data-select]").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });

  // a table that scrolls sideways (on a phone) can be scrolled from the keyboard too
  document.querySelectorAll(".scroll").forEach((region) => {
    if (region.scrollWidth > region.clientWidth && !region.hasAttribute("tabindex")) {
      const heading = region.closest("section")?.querySelector("h2, h3");
      region.tabIndex = 0;
      region.setAttribute("role", "region");
      region.setAttribute("aria-label", heading ? heading.textContent.trim() : "表格");
    }
  });

  // a copy button copies its field (and says so, for screen readers too)
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    button.addEventListener("click", () => {
      const input = document.querySelector(button.dataset.copy);
      input.select();
      // say so at once: the asynchronous clipboard API may wait on a permission prompt
      button.setAttribute("aria-live", "polite");
      button.textContent = "已复制";
      if (navigator.clipboard) {
        navigator.clipboard.writeText(input.value).catch(() => document.execCommand("copy"));
      } else {
        document.execCommand("copy");
      }
    });
  });

  // filter a list of <details> (or table rows) by the text typed
  document.querySelectorAll("input[data-filter]").forEach((input) => {
    const items = document.querySelectorAll(input.dataset.filter);
    input.addEventListener("input", () => {
      const text = input.value.trim().toLowerCase();
      items.forEach((item) => {
        item.hidden = text !== "" && !item.textContent.toLowerCase().includes(text);
      });
    });
  });

  // a plan job's progress bar: poll until it finishes, then open the plan in its place
  // (location.replace: Back returns to the event, not to a finished progress bar)
  const job = document.getElementById("job");
  if (job && job.dataset.status !== "failed") {
    const words = { queued: "排队中", running: "运行中", done: "已完成", failed: "失败" };
    const bar = document.getElementById("job-progress");
    const message = document.getElementById("job-message");
    const link = document.getElementById("job-link");
    const poll = async () => {
      let state;
      try {
        const response = await fetch(`/jobs/${job.dataset.job}`, { headers: { Accept: "application/json" } });
        state = await response.json();
      } catch (error) {
        setTimeout(poll, 1500);
        return;
      }
      bar.value = state.progress;
      job.dataset.status = state.status;
      message.textContent = `${words[state.status] || state.status}：${state.message}`;
      if (job.dataset.done && (state.status === "done" || state.status === "failed")) {
        window.location.replace(job.dataset.done);  // a refit: the page lists the new version
      } else if (state.status === "done" && state.plan_id) {
        link.hidden = false;
        link.querySelector("a").href = `/plans/${state.plan_id}`;
        window.location.replace(`/plans/${state.plan_id}`);
      } else if (state.status !== "failed") {
        setTimeout(poll, 400);
      }
    };
    poll();
  }
});

// 打印日程: print the agenda section alone
document.querySelectorAll("button[data-print]").forEach((button) => {
  button.addEventListener("click", () => {
    document.body.classList.add("print-agenda");
    window.print();
    document.body.classList.remove("print-agenda");
  });
});
