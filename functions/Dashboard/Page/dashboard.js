"use strict";

// The token comes from the address (#token=..., which is never sent to the server) or the sign-in form, and is kept
// for this tab only.
const tokenKey = "commerce.dashboard.token";
const colors = ["#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6", "#dd4477", "#66aa00", "#b82e2e", "#316395", "#994499", "#22aa99", "#aaaa11"];

const kpis = [
  // key, name, higher is better
  ["retention30d", "30-day retention", true],
  ["retention7d", "7-day retention", true],
  ["nextDayRetention", "Next-day retention", true],
  ["repeatPurchaseRate", "Repeat-purchase rate", true],
  ["recommendationCtr", "Recommendation CTR", true],
  ["aov", "Average order value", true],
  ["cac", "Customer acquisition cost", false],
  ["paymentSuccessRate", "Payment success rate", true],
  ["processingTimeP50", "Processing time p50", false],
  ["processingTimeP95", "Processing time p95", false],
  ["ltv12Months", "LTV (12 months)", true],
  ["ltvToCac", "LTV / CAC", true],
  ["churnRate", "Churn rate", false],
];

function format(value, unit) {
  if (value === null || value === undefined) return "n/a";
  if (unit === "share") return (value * 100).toFixed(1) + " %";
  if (unit === "minutes") return value.toFixed(1) + " min";
  if (unit === "ratio") return value.toFixed(2);
  return new Intl.NumberFormat("en", { style: "currency", currency: unit, maximumFractionDigits: 2 }).format(value);
}

async function api(path, token, body) {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: Object.assign({ Authorization: "Bearer " + token }, body === undefined ? {} : { "Content-Type": "application/json" }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw Object.assign(new Error(`${path}: ${response.status} ${problem.title || response.statusText}`), { status: response.status });
  }
  return response.json();
}

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, attributes);
  node.append(...children);
  return node;
}

function drawTiles(report) {
  const tiles = document.getElementById("kpi-tiles");
  tiles.replaceChildren(...kpis.map(([key, name, higherIsBetter]) => {
    const kpi = report[key];
    const tile = element("div", { className: "tile" },
      element("div", { className: "name" }, name),
      element("div", { className: "value" }, format(kpi.value, kpi.unit)));
    tile.dataset.kpi = key;
    if (kpi.band) {
      const b = kpi.band;
      tile.append(element("div", { className: "band" },
        `industry ${format(b.industryAverage, kpi.unit)} · listed ${format(b.listed, kpi.unit)} · unicorn ${format(b.unicorn, kpi.unit)} · startup ${format(b.startup, kpi.unit)}`));
      if (kpi.value !== null) {
        const better = higherIsBetter ? kpi.value >= b.industryAverage : kpi.value <= b.industryAverage;
        tile.classList.add(better ? "above" : "below");
        tile.title = better ? "at or better than the industry average" : "worse than the industry average";
      }
    }
    tile.append(element("div", { className: "band" }, `on ${kpi.basis.toLocaleString("en")}`));
    return tile;
  }));
}

function drawHeatmap(cohorts) {
  const table = document.getElementById("cohort-heatmap");
  const periods = Math.max(0, ...cohorts.map(c => c.periods.length));
  const head = element("tr", {}, element("th", {}, "cohort"), element("th", {}, "customers"),
    ...Array.from({ length: periods }, (_, i) => element("th", {}, "+" + i)));
  const rows = cohorts.map(c => element("tr", {}, element("th", {}, c.cohort), element("td", {}, c.customers.toLocaleString("en")),
    ...c.periods.map(p => {
      const cell = element("td", { title: `${p.customers} customers` }, (p.rate * 100).toFixed(0) + "%");
      cell.style.background = `rgba(51, 102, 204, ${Math.min(1, p.rate).toFixed(3)})`;
      cell.style.color = p.rate > 0.5 ? "#fff" : "#1d2433";
      return cell;
    })));
  table.replaceChildren(element("thead", {}, head), element("tbody", {}, ...rows));
}

function chart(id, config) {
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options);
  return new Chart(document.getElementById(id), config);
}

function drawRetention(cohorts) {
  const periods = Math.max(0, ...cohorts.map(c => c.periods.length));
  chart("retention-chart", {
    type: "line",
    data: {
      labels: Array.from({ length: periods }, (_, i) => "+" + i),
      datasets: cohorts.map((c, i) => ({
        label: c.cohort, data: c.periods.map(p => p.rate * 100),
        borderColor: colors[i % colors.length], backgroundColor: colors[i % colors.length], tension: 0.2,
      })),
    },
    options: { scales: { y: { title: { display: true, text: "% of the cohort ordering" }, min: 0 } } },
  });
}

function drawSegments(segments) {
  chart("segment-sizes-chart", {
    type: "bar",
    data: { labels: segments.segments.map(s => s.name), datasets: [{ label: "customers", data: segments.segments.map(s => s.customers), backgroundColor: colors[0] }] },
    options: { plugins: { legend: { display: false } } },
  });
  const names = Object.fromEntries(segments.segments.map(s => [s.segment, s.name]));
  const moves = segments.movement.filter(m => m.from !== m.to).sort((a, b) => b.customers - a.customers).slice(0, 12);
  chart("segment-flows-chart", {
    type: "bar",
    data: {
      labels: moves.map(m => `${m.from === null ? "new" : names[m.from] || m.from} → ${names[m.to] || m.to}`),
      datasets: [{ label: "customers", data: moves.map(m => m.customers), backgroundColor: colors[2] }],
    },
    options: { indexAxis: "y", plugins: { legend: { display: false } } },
  });
}

// Customers per churn risk band in each segment, as the live model last scored them (segments as they were then).
function drawSegmentRisk(segments) {
  if (segments.risk === null) {
    const canvas = document.getElementById("segment-risk-chart");
    canvas.replaceWith(element("p", { id: "segment-risk-empty", className: "empty" }, "No customer has been scored by a churn model yet."));
    return;
  }
  const scored = segments.segments.filter(s => s.risk !== null);
  const bands = [["low", colors[3]], ["medium", colors[2]], ["high", colors[1]]];
  chart("segment-risk-chart", {
    type: "bar",
    data: {
      labels: scored.map(s => s.name),
      datasets: bands.map(([band, color]) => ({ label: band, data: scored.map(s => s.risk[band]), backgroundColor: color })),
    },
    options: {
      plugins: {
        title: { display: true, text: `model ${segments.risk.modelVersion}, scored ${segments.risk.scoredAt.slice(0, 16).replace("T", " ")} UTC` },
        tooltip: { callbacks: { footer: items => `mean churn probability ${(scored[items[0].dataIndex].risk.meanProbability * 100).toFixed(1)} %` } },
      },
      scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "customers" } } },
    },
  });
}

function drawPayments(report) {
  const channels = report.paymentChannels;
  if (channels.length === 0) {
    const canvas = document.getElementById("payment-failures-chart");
    canvas.replaceWith(element("p", { id: "payment-failures-empty", className: "empty" }, "No payment attempts in this window."));
    return;
  }
  const reasons = [...new Set(channels.flatMap(c => c.failures.map(f => f.reason)))];
  chart("payment-failures-chart", {
    type: "bar",
    data: {
      labels: channels.map(c => c.channel),
      datasets: [{ label: "succeeded", data: channels.map(c => c.succeeded), backgroundColor: colors[3] }]
        .concat(reasons.map((reason, i) => ({
          label: reason, backgroundColor: colors[(i + 4) % colors.length],
          data: channels.map(c => (c.failures.find(f => f.reason === reason) || { attempts: 0 }).attempts),
        }))),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "attempts" } } } },
  });
}

function drawProcessingTime(report) {
  const band = report.processingTimeP50.band || report.processingTimeP95.band;
  const labels = ["shop p50", "shop p95"].concat(band ? ["industry", "listed", "unicorn", "startup"] : []);
  const values = [report.processingTimeP50.value, report.processingTimeP95.value]
    .concat(band ? [band.industryAverage, band.listed, band.unicorn, band.startup] : []);
  chart("processing-time-chart", {
    type: "bar",
    data: { labels, datasets: [{ label: "minutes", data: values, backgroundColor: labels.map((_, i) => i < 2 ? colors[0] : "#b8c2d6") }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { title: { display: true, text: "minutes" } } } },
  });
}

function drawUnitEconomics(result) {
  const bars = [...result.tornado].sort((a, b) => b.swing - a.swing);
  chart("tornado-chart", {
    type: "bar",
    data: {
      labels: bars.map(b => b.input),
      datasets: [{
        label: "unit margin from -30 % to +30 %",
        data: bars.map(b => { const m = b.points.map(p => p.unitMargin); return [Math.min(...m), Math.max(...m)]; }),
        backgroundColor: colors[1],
      }],
    },
    options: {
      indexAxis: "y",
      plugins: { title: { display: true, text: `unit margin now: ${result.unitMargin.toFixed(2)}` } },
      scales: { x: { title: { display: true, text: "unit margin per customer" } } },
    },
  });
  const table = document.getElementById("break-even");
  const row = (...cells) => element("tr", {}, ...cells);
  table.replaceChildren(
    row(element("th", {}, "input"), element("th", {}, "now"), element("th", {}, "break-even"), element("th", {}, "source")),
    ...Object.entries(result.breakEven).map(([input, value]) => row(
      element("th", {}, input),
      element("td", {}, String(result.inputs[input])),
      element("td", {}, value === null ? "never within the range" : String(Math.round(value * 10000) / 10000)),
      element("td", {}, result.sources[input] || ""))));
}

async function show(token) {
  const status = document.getElementById("status");
  status.textContent = "Loading…";
  try {
    const [report, cohorts, unitEconomics] = await Promise.all([
      api("/api/analytics/kpis", token),
      api("/api/analytics/cohorts?by=month", token),
      api("/api/analytics/unit-economics", token, {}),
    ]);
    // Segments as of the end of the KPI window, moves over its last 30 days.
    const to = report.to.slice(0, 10);
    const from = new Date(Date.parse(report.to) - 30 * 86400000).toISOString().slice(0, 10);
    const segments = await api(`/api/analytics/segments?from=${from}&to=${to}`, token);
    document.getElementById("window").textContent = `${report.from.slice(0, 10)} to ${to} (${report.currency})`;
    document.getElementById("content").hidden = false;
    drawTiles(report);
    drawHeatmap(cohorts.cohorts);
    drawRetention(cohorts.cohorts);
    drawSegments(segments);
    drawSegmentRisk(segments);
    drawPayments(report);
    drawProcessingTime(report);
    drawUnitEconomics(unitEconomics);
    status.textContent = "";
    document.body.dataset.ready = "true";
  } catch (e) {
    if (e.status === 401 || e.status === 403) {
      sessionStorage.removeItem(tokenKey);
      document.getElementById("sign-in").hidden = false;
    }
    status.textContent = e.message;
    throw e;
  }
}

document.getElementById("sign-in").addEventListener("submit", event => {
  event.preventDefault();
  const token = document.getElementById("token").value.trim();
  sessionStorage.setItem(tokenKey, token);
  document.getElementById("sign-in").hidden = true;
  show(token);
});

const fromAddress = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromAddress) {
  sessionStorage.setItem(tokenKey, fromAddress);
  history.replaceState(null, "", location.pathname + location.search);
}
const saved = sessionStorage.getItem(tokenKey);
if (saved) show(saved);
else document.getElementById("sign-in").hidden = false;
