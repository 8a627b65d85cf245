// The second seed's browser flow, run in Node 20 (fetch, FormData and Blob are built in):
// upload a document with async=true, then poll the session status every 2 s until it is completed.
//
//   node scripts/js_flow.mjs --url http://127.0.0.1:8000 --token TOKEN --file contract.md [--interval 2000]
//
// Prints one JSON line per poll and a final JSON result; exits 0 when completed, 1 when failed,
// 2 on a usage or HTTP error, 3 on timeout. CI runs it from tests/api/test_js_flow.py against a live server.

import { readFile } from "node:fs/promises";
import { basename } from "node:path";

function parseArgs(argv) {
  const args = { interval: 2000, timeout: 120000 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    args[key] = argv[i + 1];
  }
  args.token ??= process.env.CHAPTERWISE_API_TOKEN;
  for (const name of ["url", "token", "file"]) {
    if (!args[name]) {
      console.error(`usage: node js_flow.mjs --url URL --token TOKEN --file PATH (missing --${name})`);
      process.exit(2);
    }
  }
  args.interval = Number(args.interval);
  args.timeout = Number(args.timeout);
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const base = args.url.replace(/\/$/, "");
  const token = args.token;

  // 1. Upload document with async flag (as the seed's front end does)
  const bytes = await readFile(args.file);
  const file = new Blob([bytes], { type: "application/octet-stream" });
  const formData = new FormData();
  formData.append("document", file, basename(args.file));
  formData.append("async", "true");

  const uploadResponse = await fetch(`${base}/api/document-summarizer/summarize/`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}` },
    body: formData,
  });
  if (!uploadResponse.ok) {
    console.error(`upload failed: HTTP ${uploadResponse.status} ${await uploadResponse.text()}`);
    process.exit(2);
  }
  const { session_id } = await uploadResponse.json();

  // 2. Poll for status
  const pollStatus = async () => {
    const statusResponse = await fetch(`${base}/api/document-summarizer/sessions/${session_id}/status/`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (!statusResponse.ok) {
      throw new Error(`status failed: HTTP ${statusResponse.status} ${await statusResponse.text()}`);
    }
    const statusData = await statusResponse.json();
    console.log(JSON.stringify({ poll: true, status: statusData.status, progress: statusData.progress }));
    if (statusData.status === "completed" || statusData.status === "failed") {
      return statusData;
    }
    return null; // Continue polling
  };

  // Poll every 2 seconds
  const started = Date.now();
  const result = await new Promise((resolve, reject) => {
    const tick = async () => {
      try {
        const done = await pollStatus();
        if (done) {
          clearInterval(pollInterval);
          resolve(done);
        } else if (Date.now() - started > args.timeout) {
          clearInterval(pollInterval);
          resolve({ status: "timeout" });
        }
      } catch (err) {
        clearInterval(pollInterval);
        reject(err);
      }
    };
    const pollInterval = setInterval(tick, args.interval);
  });

  console.log(JSON.stringify({
    result: true,
    session_id,
    status: result.status,
    progress: result.progress,
    message: result.message,
    summary: result.summary,
    high_risk_clauses: result.high_risk_clauses,
  }));
  process.exit(result.status === "completed" ? 0 : result.status === "failed" ? 1 : 3);
}

main().catch((err) => {
  console.error(String(err));
  process.exit(2);
});
