import { test, expect } from "@playwright/test";
import { admin, logIn } from "./helpers";

// The wasm is split (scripts/front.sh): the login form needs only the shell's module, and a
// page's own module is fetched when the page is first opened.
test("the login form loads only the shell; a page's module comes when it is opened", async ({ page }) => {
  const modules: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) modules.push(path);
  });
  await page.goto("/");
  await expect(page.getByLabel("Username")).toBeVisible();
  expect(modules.some((p) => /^\/app-[0-9a-f]{16}\/main_bg\.wasm$/.test(p))).toBe(true);
  expect(modules.filter((p) => p.includes("/split_"))).toEqual([]);

  await logIn(page, admin.username, admin.password);
  expect(modules.filter((p) => p.includes("/split_audit_log_"))).toEqual([]);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  expect(modules.filter((p) => p.includes("/split_audit_log_"))).toHaveLength(1);
});
