// The front end's speed in Chromium, as an operator meets it (a figure, not a test):
//   node end2end/timing.mjs http://127.0.0.1:3000 <username> <password> [runs]
// For each run, in a fresh browser profile (nothing cached): how long until the login form
// is painted, how many bytes came over the wire for it (compressed, as sent), then how long
// from pressing "Log in" until the All Users table shows its rows. Prints each run and the
// median. Serve a release build (`scripts/front.sh --release`) for figures worth comparing.
import { chromium } from "@playwright/test";

const [base, username, password, runsArg] = process.argv.slice(2);
if (!base || !username || !password) {
  console.error("usage: node end2end/timing.mjs <base-url> <username> <password> [runs]");
  process.exit(2);
}
const runs = Number(runsArg ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const results = [];
for (let run = 0; run < runs; run++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  let wire = 0;
  page.on("response", async (response) => {
    const length = Number((await response.allHeaders())["content-length"] ?? 0);
    wire += length;
  });
  const started = Date.now();
  await page.goto(base);
  await page.getByLabel("Username").waitFor();
  const loginPainted = Date.now() - started;
  const firstViewBytes = wire;
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  const submitted = Date.now();
  await page.getByRole("button", { name: "Log in" }).click();
  const allUsers = page.getByRole("link", { name: "All Users" });
  await allUsers.click();
  await page.locator("table[aria-label='Users'] tbody tr").first().waitFor();
  const toTable = Date.now() - submitted;
  results.push({ loginPainted, firstViewBytes, toTable });
  console.log(
    `run ${run + 1}: login form painted in ${loginPainted} ms (${(firstViewBytes / 1024).toFixed(0)} KB on the wire); ` +
      `log in -> All Users rows in ${toTable} ms`,
  );
  await context.close();
}
await browser.close();
console.log(
  `median of ${runs}: login form ${median(results.map((r) => r.loginPainted))} ms, ` +
    `${(median(results.map((r) => r.firstViewBytes)) / 1024).toFixed(0)} KB on the wire; ` +
    `log in -> All Users table ${median(results.map((r) => r.toTable))} ms (targets: <= 1000 ms, <= 200 KB)`,
);
