// An SVG chart of an evaluation: success per tier (with the seed's 70 % goal for medium) and the
// median time per stage against its target. Hand-written SVG: two bar panels do not need a
// plotting library, and the file opens in any browser or GitHub comment.
import { escapeHtml } from "../../shared/display.js";
import type { EvalReport } from "./report.js";

const WIDTH = 760;
const BAR_HEIGHT = 22;

export function reportChart(report: EvalReport): string {
  const parts: string[] = [];
  let y = 30;
  parts.push(
    text(
      20,
      y,
      `dellm eval — ${report.config.mode}, model ${report.config.model}, ${report.summary.passed}/${report.summary.issues} issues passed`,
      15,
      "bold",
    ),
  );
  y += 30;
  parts.push(
    text(20, y, "End-to-end success per tier (hidden tests, and a brownfield repository's own tests)", 13, "bold"),
  );
  y += 12;
  const barX = 150; // room for "brownfield (10/10)"
  const barWidth = WIDTH - barX - 90;
  for (const [tier, t] of Object.entries(report.summary.tiers)) {
    const rate = t.success_rate ?? 0;
    parts.push(text(20, y + 16, `${tier} (${t.passed}/${t.issues})`, 12));
    parts.push(rect(barX, y, barWidth, BAR_HEIGHT, "#eee"));
    parts.push(rect(barX, y, barWidth * rate, BAR_HEIGHT, rate >= 0.7 ? "#2da44e" : "#cf222e"));
    parts.push(text(barX + barWidth + 8, y + 16, `${Math.round(rate * 100)}%`, 12));
    if (tier === "medium")
      parts.push(
        `<line x1="${barX + barWidth * 0.7}" y1="${y - 3}" x2="${barX + barWidth * 0.7}" y2="${y + BAR_HEIGHT + 3}" stroke="#000" stroke-dasharray="3,2"><title>goal 70%</title></line>`,
      );
    y += BAR_HEIGHT + 8;
  }
  y += 20;
  parts.push(text(20, y, "Median time per stage (bar: time ÷ target; the line is the target)", 13, "bold"));
  y += 12;
  for (const [stage, s] of Object.entries(report.summary.stages)) {
    if (s.median === null) continue;
    const name = stage.replace(/_s$/, "");
    parts.push(text(20, y + 16, name, 12));
    const seconds = `${s.median.toFixed(s.median < 10 ? 2 : 1)} s`;
    if (s.target === null) {
      // Bars are time ÷ target; a stage without a target (merge) has no bar on that scale, only its time.
      parts.push(text(barX, y + 16, `${seconds} (no target)`, 12));
      y += BAR_HEIGHT + 8;
      continue;
    }
    const fraction = Math.min(s.median / s.target / 2, 1);
    parts.push(rect(barX, y, barWidth, BAR_HEIGHT, "#eee"));
    parts.push(
      rect(barX, y, barWidth * fraction, BAR_HEIGHT, s.met === false ? "#cf222e" : s.met ? "#2da44e" : "#8c959f"),
    );
    parts.push(
      `<line x1="${barX + barWidth / 2}" y1="${y - 3}" x2="${barX + barWidth / 2}" y2="${y + BAR_HEIGHT + 3}" stroke="#000" stroke-dasharray="3,2"/>`,
    );
    parts.push(text(barX + barWidth + 8, y + 16, `${seconds} / ${s.target}`, 12));
    y += BAR_HEIGHT + 8;
  }
  const height = y + 20;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join("\n")}\n</svg>\n`;
}

function rect(x: number, y: number, width: number, height: number, fill: string): string {
  return `<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(0, width).toFixed(1)}" height="${height}" fill="${fill}"/>`;
}

function text(x: number, y: number, content: string, size: number, weight = "normal"): string {
  return `<text x="${x}" y="${y}" font-size="${size}" font-weight="${weight}">${escapeHtml(content)}</text>`;
}
