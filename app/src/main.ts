/// <reference lib="dom" />
/**
 * The depositor page: wires the DOM to the pure modules. Reads go through a JsonRpcProvider on
 * the configured RPC URL (no wallet needed); writes go through the EIP-1193 wallet
 * (`window.ethereum`), each simulated first (tx.ts) and refused when the simulation reverts.
 * Everything this file renders comes from chain.ts (reads) and state.ts (derivations).
 */
import { BrowserProvider, JsonRpcProvider } from "ethers";
import type { Eip1193Provider, JsonRpcSigner } from "ethers";
import {
  AmountError,
  assetsPerShare,
  formatAmount,
  formatBps,
  formatDuration,
  formatWadPercent,
  parseAmount,
  shortAddress,
} from "./amounts.ts";
import {
  bindContracts,
  loadAbis,
  parseAppConfig,
  readHistory,
  readHoldings,
  readPosition,
  readSnapshot,
  readVaultInfo,
} from "./chain.ts";
import type { Abis, AppConfig, Contracts, MetaCache, VaultInfo } from "./chain.ts";
import { makeDecoder, reportError } from "./errors.ts";
import type { ErrorContext, RevertDecoder } from "./errors.ts";
import {
  deriveActions,
  deriveBanner,
  historyRows,
  holdingRows,
  nameFeeds,
  splitRedeem,
} from "./state.ts";
import type { ActionState, Position, VaultSnapshot } from "./state.ts";
import { contractCall, simulateAndSend } from "./tx.ts";
import type { ContractMethod, TxUpdate } from "./tx.ts";

interface Wallet {
  readonly eth: Eip1193Provider;
  readonly provider: BrowserProvider;
  readonly signer: JsonRpcSigner;
  readonly account: string;
  readonly chainOk: boolean;
  readonly contracts: Contracts;
}

/** Everything the page knows; one object passed around, no module-level mutable state. */
interface App {
  readonly cfg: AppConfig;
  readonly abis: Abis;
  readonly decode: RevertDecoder;
  readonly reader: JsonRpcProvider;
  readonly meta: MetaCache;
  info: VaultInfo | null;
  read: Contracts | null;
  snapshot: VaultSnapshot | null;
  position: Position | null;
  wallet: Wallet | null;
  busy: boolean;
  refreshing: Promise<void> | null;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider & {
      on?: (event: string, cb: (...args: unknown[]) => void) => void;
    };
  }
}

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`missing #${id}`);
  return e as T;
}

function setFacts(id: string, rows: readonly (readonly [string, string])[]): void {
  const dl = el(id);
  dl.replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      return [dt, dd];
    }),
  );
}

function setRows(
  tableId: string,
  rows: readonly (readonly (readonly [string, string?])[])[],
): void {
  const tbody = el(tableId).querySelector("tbody");
  if (tbody === null) return;
  tbody.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement("tr");
      for (const [text, cls] of cells) {
        const td = document.createElement("td");
        td.textContent = text;
        if (cls !== undefined) td.className = cls;
        tr.append(td);
      }
      return tr;
    }),
  );
}

function note(id: string, text: string, error = false): void {
  const p = el(id);
  p.textContent = text;
  p.classList.toggle("error", error);
}

function errorContext(app: App): ErrorContext {
  return {
    baseSymbol: app.info?.base.symbol ?? "base",
    baseDecimals: app.info?.base.decimals ?? 18,
    shareSymbol: app.info?.share.symbol ?? "shares",
    shareDecimals: app.info?.share.decimals ?? 18,
  };
}

function base(app: App, units: bigint, digits = 2): string {
  const b = app.info?.base;
  return b === undefined
    ? units.toString()
    : `${formatAmount(units, b.decimals, digits)} ${b.symbol}`;
}

function shares(app: App, units: bigint, digits = 6): string {
  const s = app.info?.share;
  return s === undefined
    ? units.toString()
    : `${formatAmount(units, s.decimals, digits)} ${s.symbol}`;
}

// ------------------------------------------------------------------ rendering

function renderStatic(app: App, info: VaultInfo): void {
  el("vault-name").textContent =
    `${info.share.name} (${info.share.symbol}) · vault ${app.cfg.vault} · chain ${app.cfg.chainId}`;
  document.querySelectorAll(".base-symbol").forEach((e) => (e.textContent = info.base.symbol));
  document.querySelectorAll(".share-symbol").forEach((e) => (e.textContent = info.share.symbol));
  const l = info.limits;
  setFacts("limits", [
    ["Deposit cap", base(app, l.depositCap)],
    ["Max loss per rebalance", formatBps(l.maxLossPerRebalanceBps)],
    ["Loss budget", `${formatBps(l.lossBudgetBps)} per ${formatDuration(l.lossWindow)}`],
    ["Max turnover per rebalance", formatBps(l.maxTurnoverBps)],
    ["Max leverage", formatBps(l.maxLeverageBps)],
    ["Max slippage", formatBps(l.maxSlippageBps)],
    ["Min health factor", formatAmount(l.minHealthFactor, 18, 2)],
    ["Rebalance cooldown", formatDuration(l.rebalanceCooldown)],
    [
      "Circuit breaker",
      `${formatBps(l.circuitBreakerDropBps)} drop within ${formatDuration(l.circuitBreakerWindow)}`,
    ],
  ]);
  const f = info.fees;
  const noRecipient = /^0x0{40}$/i.test(f.recipient);
  setFacts("fees", [
    ["Entry fee", formatBps(f.entryFeeBps)],
    ["Exit fee", formatBps(f.exitFeeBps)],
    ["Management fee", `${formatBps(noRecipient ? 0n : f.managementFeeBps)} / year`],
    [
      "Performance fee",
      `${formatBps(noRecipient ? 0n : f.performanceFeeBps)} over the high-water mark`,
    ],
  ]);
}

function renderSnapshot(app: App, s: VaultSnapshot): void {
  const info = app.info;
  if (info === null) return;
  const banner = deriveBanner({
    ...s,
    navError: s.navError === null ? null : nameFeeds(s.navError, info.feedLabels),
  });
  const b = el("banner");
  b.className = `banner ${banner.level}`;
  el("banner-title").textContent = `Status: ${banner.title}`;
  el("banner-text").textContent = banner.text;
  const pps = s.navAvailable
    ? `${formatAmount(assetsPerShare(s.pricePerShareWad, info.share.decimals), info.base.decimals, 6)} ${info.base.symbol}`
    : "unavailable (feed down)";
  setFacts("overview", [
    ["NAV (total assets)", s.navAvailable ? base(app, s.nav) : "unavailable (feed down)"],
    ["Price per share", pps],
    ["Total supply", shares(app, s.totalSupply, 4)],
    ["Idle base", base(app, s.idle)],
    ["Reserved for claims", base(app, s.reservedAssets)],
    ["Lending collateral", base(app, s.lendingCollateral)],
    ["Waiting redemptions", `${shares(app, s.pendingShares, 4)} (epoch ${s.currentEpoch})`],
    [
      "Loss budget used",
      `${formatWadPercent(s.lossBudgetUsedWad)} of ${formatWadPercent(s.lossBudgetCapWad)}`,
    ],
    [
      "Last rebalance",
      s.lastRebalanceAt === 0n
        ? "never"
        : new Date(Number(s.lastRebalanceAt) * 1000).toISOString().replace(".000Z", "Z"),
    ],
    [
      "Flags",
      `paused: ${s.paused ? "yes" : "no"} · defensive: ${s.defensive ? "yes" : "no"} · shut down: ${s.shutdown ? "yes" : "no"}`,
    ],
  ]);
}

function renderPosition(app: App): void {
  const p = app.position;
  const w = app.wallet;
  if (p === null || w === null) {
    setFacts("position", [["Wallet", "not connected — connect to deposit or withdraw"]]);
  } else {
    setFacts("position", [
      ["Account", shortAddress(p.account)],
      ["Your shares", shares(app, p.shares)],
      ["Their value", p.value === null ? "unavailable (feed down)" : base(app, p.value)],
      ["Wallet balance", base(app, p.baseBalance)],
      ["Max deposit", base(app, p.maxDeposit)],
      ["Max withdraw now", base(app, p.maxWithdraw)],
      ["Max redeem now", shares(app, p.maxRedeem)],
      ["Pending request", shares(app, p.pendingShares)],
      ["Claimable", `${shares(app, p.claimableShares)} = ${base(app, p.claimableAssets)}`],
    ]);
    const parts: string[] = [];
    if (p.pendingShares > 0n)
      parts.push(`Pending: ${shares(app, p.pendingShares)} waiting for fulfilment.`);
    if (p.claimableShares > 0n) parts.push(`Claimable: ${base(app, p.claimableAssets)}.`);
    if (parts.length === 0) parts.push("No open redemption request.");
    note("requests-note", parts.join(" "));
  }
  renderActions(app);
}

function setAction(ids: readonly string[], state: ActionState, busy: boolean): void {
  for (const id of ids) {
    const b = el<HTMLButtonElement>(id);
    b.disabled = busy || !state.enabled;
    b.title = state.reason;
  }
}

function renderActions(app: App): void {
  const s = app.snapshot;
  if (s === null) return;
  const a = deriveActions(s, app.position, app.wallet?.chainOk ?? false);
  setAction(["deposit-submit", "deposit-max"], a.deposit, app.busy);
  setAction(["withdraw-submit", "withdraw-max", "redeem-now"], a.withdrawNow, app.busy);
  setAction(["request-redeem", "redeem-all"], a.requestRedeem, app.busy);
  setAction(["cancel-request"], a.cancelRequest, app.busy);
  setAction(["claim"], a.claim, app.busy);
  setAction(["fulfil"], a.fulfil, app.busy);
  setAction(["exit-submit", "exit-all"], a.exitInKind, app.busy);
  if (app.wallet === null) note("requests-note", a.claim.reason);
}

// ------------------------------------------------------------------ reading

async function refresh(app: App): Promise<void> {
  if (app.refreshing !== null) return app.refreshing;
  app.refreshing = (async () => {
    try {
      if (app.info === null) {
        app.info = await readVaultInfo(app.cfg, app.abis, app.reader, app.meta);
        app.read = bindContracts(app.cfg, app.abis, app.info.base.address, app.reader);
        renderStatic(app, app.info);
      }
      const read = app.read as Contracts;
      const info = app.info;
      const [snapshot, holdings, events] = await Promise.all([
        readSnapshot(read, app.decode),
        readHoldings(read, info, app.abis.erc20, app.reader),
        readHistory(read.vault, app.reader).catch(() => null),
      ]);
      app.snapshot = snapshot;
      renderSnapshot(app, snapshot);
      setRows(
        "holdings",
        holdingRows(holdings, info.base).map((r) => [
          [r.asset],
          [r.balance],
          [r.value],
          [r.weight, r.headroom],
          [r.maxWeight],
        ]),
      );
      if (events === null)
        setRows("history", [[["—"], ["History unavailable"], ["the node refused eth_getLogs"]]]);
      else {
        const rows = historyRows(events, info.base, info.share);
        setRows(
          "history",
          rows.length === 0
            ? [[["—"], ["No events yet"], [""]]]
            : rows.map((r) => [[String(r.block)], [r.kind], [r.detail]]),
        );
      }
      app.position = app.wallet === null ? null : await readPosition(read, app.wallet.account);
      renderPosition(app);
      el("footer").textContent =
        `Read from ${app.cfg.rpcUrl} at ${new Date().toISOString()}. This page never depends on the keeper.`;
    } catch (err) {
      const r = reportError(err, app.decode, errorContext(app));
      el("banner").className = "banner danger";
      el("banner-title").textContent = "Status: cannot read the vault";
      el("banner-text").textContent = `${r.message} (RPC ${app.cfg.rpcUrl})`;
    } finally {
      app.refreshing = null;
    }
  })();
  return app.refreshing;
}

// ------------------------------------------------------------------ wallet

async function connect(app: App): Promise<void> {
  const eth = window.ethereum;
  if (eth === undefined) {
    el("wallet-status").textContent =
      "No wallet found: install a browser wallet (EIP-1193). The page stays read-only.";
    return;
  }
  try {
    const accounts = (await eth.request({ method: "eth_requestAccounts" })) as string[];
    if (accounts.length === 0) throw new Error("the wallet returned no account");
    const chainHex = (await eth.request({ method: "eth_chainId" })) as string;
    const chainId = Number(BigInt(chainHex));
    const chainOk = chainId === app.cfg.chainId;
    const provider = new BrowserProvider(eth, "any", { pollingInterval: 500 });
    const signer = await provider.getSigner(accounts[0]);
    const account = await signer.getAddress();
    const contracts = bindContracts(
      app.cfg,
      app.abis,
      (app.info as VaultInfo).base.address,
      signer,
    );
    app.wallet = { eth, provider, signer, account, chainOk, contracts };
    el("wallet-status").textContent = chainOk
      ? `Connected: ${account} (chain ${chainId})`
      : `Wrong network: your wallet is on chain ${chainId}, the vault is on chain ${app.cfg.chainId}. Switch networks in your wallet.`;
    el("connect").textContent = "Reconnect";
  } catch (err) {
    const r = reportError(err, app.decode, errorContext(app));
    el("wallet-status").textContent = `Could not connect: ${r.message}`;
    return;
  }
  await refresh(app);
}

// ------------------------------------------------------------------ transactions

function logTx(u: TxUpdate, app: App): void {
  const list = el("tx-log");
  const id = `tx-${u.label.replace(/[^a-z0-9]+/gi, "-")}`;
  let li = list.querySelector<HTMLLIElement>(`li[data-id="${id}"]`);
  if (li === null) {
    li = document.createElement("li");
    li.dataset.id = id;
    list.prepend(li);
  }
  li.className = u.phase;
  const text: Record<TxUpdate["phase"], string> = {
    simulating: "simulating…",
    reverted: "would revert, not sent",
    signing: "waiting for your wallet…",
    pending: "pending",
    confirmed: "confirmed",
    failed: "failed",
    rejected: "declined in the wallet",
  };
  let line = `${u.label}: ${text[u.phase]}`;
  if (u.hash !== undefined) line += ` (${shortAddress(u.hash)})`;
  if (u.error !== undefined) {
    const r = reportError(u.error, app.decode, errorContext(app));
    line += ` — ${r.decoded === null ? "" : `${r.decoded}: `}${r.message}`;
  }
  li.textContent = line;
}

/** Runs the prepared calls in order, stopping at the first that does not confirm. */
async function runCalls(
  app: App,
  steps: readonly (() => { label: string; method: ContractMethod; args: unknown[] })[],
): Promise<boolean> {
  app.busy = true;
  renderActions(app);
  try {
    for (const step of steps) {
      const { label, method, args } = step();
      // a fresh id per run, so that repeated actions get their own log line
      const tagged = `${label} #${el("tx-log").children.length + 1}`;
      const res = await simulateAndSend(contractCall(tagged, method, args), (u) => logTx(u, app));
      if (!res.ok) return false;
    }
    return true;
  } finally {
    app.busy = false;
    await refresh(app);
  }
}

function method(c: { getFunction(name: string): unknown }, name: string): ContractMethod {
  return c.getFunction(name) as ContractMethod;
}

function readAmount(
  inputId: string,
  noteId: string,
  decimals: number,
  symbol: string,
): bigint | null {
  const input = el<HTMLInputElement>(inputId);
  try {
    const v = parseAmount(input.value, decimals, { symbol });
    input.removeAttribute("aria-invalid");
    return v;
  } catch (err) {
    input.setAttribute("aria-invalid", "true");
    note(noteId, err instanceof AmountError ? err.message : String(err), true);
    return null;
  }
}

function ready(app: App): { w: Wallet; p: Position; info: VaultInfo } | null {
  if (app.wallet === null || app.position === null || app.info === null) return null;
  if (!app.wallet.chainOk) return null;
  return { w: app.wallet, p: app.position, info: app.info };
}

async function onDeposit(app: App): Promise<void> {
  const r = ready(app);
  if (r === null) return;
  const amount = readAmount(
    "deposit-amount",
    "deposit-note",
    r.info.base.decimals,
    r.info.base.symbol,
  );
  if (amount === null) return;
  if (amount > r.p.baseBalance) {
    note("deposit-note", `Your wallet holds only ${base(app, r.p.baseBalance, 6)}.`, true);
    return;
  }
  if (amount > r.p.maxDeposit) {
    note("deposit-note", `The vault accepts at most ${base(app, r.p.maxDeposit, 6)} now.`, true);
    return;
  }
  const { vault, base: token } = r.w.contracts;
  const steps: (() => { label: string; method: ContractMethod; args: unknown[] })[] = [];
  const shown = base(app, amount, 6);
  if (r.p.allowance < amount) {
    // exact approval: never more than this deposit
    steps.push(() => ({
      label: `Approve ${shown}`,
      method: method(token, "approve"),
      args: [app.cfg.vault, amount],
    }));
  }
  steps.push(() => ({
    label: `Deposit ${shown}`,
    method: method(vault, "deposit"),
    args: [amount, r.w.account],
  }));
  if (await runCalls(app, steps)) el<HTMLInputElement>("deposit-amount").value = "";
}

async function onWithdraw(app: App): Promise<void> {
  const r = ready(app);
  if (r === null) return;
  const amount = readAmount(
    "withdraw-amount",
    "withdraw-note",
    r.info.base.decimals,
    r.info.base.symbol,
  );
  if (amount === null) return;
  const ok = await runCalls(app, [
    () => ({
      label: `Withdraw ${base(app, amount, 6)}`,
      method: method(r.w.contracts.vault, "withdraw"),
      args: [amount, r.w.account, r.w.account],
    }),
  ]);
  if (ok) el<HTMLInputElement>("withdraw-amount").value = "";
}

async function onRedeem(app: App, queued: boolean): Promise<void> {
  const r = ready(app);
  if (r === null) return;
  const amount = readAmount(
    "redeem-shares",
    "redeem-note",
    r.info.share.decimals,
    r.info.share.symbol,
  );
  if (amount === null) return;
  if (amount > r.p.shares) {
    note("redeem-note", `You hold only ${shares(app, r.p.shares)}.`, true);
    return;
  }
  const label = `${queued ? "Request redemption of" : "Redeem"} ${shares(app, amount)}`;
  const args = queued ? [amount, r.w.account, r.w.account] : [amount, r.w.account, r.w.account];
  const name = queued ? "requestRedeem" : "redeem";
  const ok = await runCalls(app, [
    () => ({ label, method: method(r.w.contracts.vault, name), args }),
  ]);
  if (ok) el<HTMLInputElement>("redeem-shares").value = "";
}

async function onSimple(
  app: App,
  label: string,
  name: string,
  args: (w: Wallet, p: Position) => unknown[],
): Promise<void> {
  const r = ready(app);
  if (r === null) return;
  await runCalls(app, [
    () => ({ label, method: method(r.w.contracts.vault, name), args: args(r.w, r.p) }),
  ]);
}

async function onExit(app: App): Promise<void> {
  const r = ready(app);
  if (r === null) return;
  const amount = readAmount("exit-shares", "exit-note", r.info.share.decimals, r.info.share.symbol);
  if (amount === null) return;
  await runCalls(app, [
    () => ({
      label: `Exit in kind with ${shares(app, amount)}`,
      method: method(r.w.contracts.vault, "exitInKind"),
      args: [amount, r.w.account, r.w.account],
    }),
  ]);
}

// ------------------------------------------------------------------ previews

async function previewDeposit(app: App): Promise<void> {
  const info = app.info;
  if (info === null || app.read === null) return;
  const input = el<HTMLInputElement>("deposit-amount");
  if (input.value.trim() === "") return note("deposit-note", "");
  try {
    const amount = parseAmount(input.value, info.base.decimals, { symbol: info.base.symbol });
    input.removeAttribute("aria-invalid");
    const out = (await app.read.vault.getFunction("previewDeposit")(amount)) as bigint;
    note(
      "deposit-note",
      `You would receive about ${shares(app, out)} (entry fee ${formatBps(info.fees.entryFeeBps)} included).`,
    );
  } catch (err) {
    input.setAttribute("aria-invalid", String(err instanceof AmountError));
    const msg =
      err instanceof AmountError
        ? err.message
        : `No preview: ${reportError(err, app.decode, errorContext(app)).message}`;
    note("deposit-note", msg, true);
  }
}

async function previewWithdraw(app: App): Promise<void> {
  const info = app.info;
  if (info === null || app.read === null) return;
  const input = el<HTMLInputElement>("withdraw-amount");
  if (input.value.trim() === "") return note("withdraw-note", "");
  try {
    const amount = parseAmount(input.value, info.base.decimals, { symbol: info.base.symbol });
    input.removeAttribute("aria-invalid");
    const burnt = (await app.read.vault.getFunction("previewWithdraw")(amount)) as bigint;
    const max = app.position?.maxWithdraw;
    const over =
      max !== undefined && amount > max
        ? ` More than the ${base(app, max, 6)} available now: request a redemption for the rest.`
        : "";
    note(
      "withdraw-note",
      `Burns about ${shares(app, burnt)} (exit fee ${formatBps(info.fees.exitFeeBps)} included).${over}`,
      over !== "",
    );
  } catch (err) {
    input.setAttribute("aria-invalid", String(err instanceof AmountError));
    note(
      "withdraw-note",
      err instanceof AmountError
        ? err.message
        : reportError(err, app.decode, errorContext(app)).message,
      true,
    );
  }
}

async function previewRedeem(app: App): Promise<void> {
  const info = app.info;
  if (info === null || app.read === null) return;
  const input = el<HTMLInputElement>("redeem-shares");
  if (input.value.trim() === "") return note("redeem-note", "");
  try {
    const amount = parseAmount(input.value, info.share.decimals, { symbol: info.share.symbol });
    input.removeAttribute("aria-invalid");
    const out = (await app.read.vault.getFunction("previewRedeem")(amount)) as bigint;
    const split = splitRedeem(amount, app.position?.maxRedeem ?? 0n);
    const tail =
      split.queued === 0n
        ? "Redeemable now from idle funds."
        : `${shares(app, split.now)} redeemable now; ${shares(app, split.queued)} must be requested (paid when a fulfilment finds idle funds, at the NAV of that moment).`;
    note(
      "redeem-note",
      `Worth about ${base(app, out, 6)} at today's NAV (exit fee included). ${tail}`,
    );
  } catch (err) {
    input.setAttribute("aria-invalid", String(err instanceof AmountError));
    note(
      "redeem-note",
      err instanceof AmountError
        ? err.message
        : reportError(err, app.decode, errorContext(app)).message,
      true,
    );
  }
}

function fill(inputId: string, units: bigint, decimals: number, after: () => void): void {
  el<HTMLInputElement>(inputId).value = formatAmount(units, decimals).replace(/,/g, "");
  after();
}

// ------------------------------------------------------------------ start

function wire(app: App): void {
  const on = (id: string, ev: string, fn: (e: Event) => void) => el(id).addEventListener(ev, fn);
  const submit = (id: string, fn: () => Promise<void>) =>
    on(id, "submit", (e) => {
      e.preventDefault();
      void fn();
    });
  on("connect", "click", () => void connect(app));
  submit("deposit-form", () => onDeposit(app));
  submit("withdraw-form", () => onWithdraw(app));
  submit("exit-form", () => onExit(app));
  on("redeem-form", "submit", (e) => e.preventDefault());
  on("redeem-now", "click", () => void onRedeem(app, false));
  on("request-redeem", "click", () => void onRedeem(app, true));
  on(
    "claim",
    "click",
    () =>
      void onSimple(app, "Claim redemption", "redeem", (w, p) => [
        p.claimableShares,
        w.account,
        w.account,
      ]),
  );
  on(
    "cancel-request",
    "click",
    () => void onSimple(app, "Cancel request", "cancelRedeemRequest", (w) => [w.account]),
  );
  on(
    "fulfil",
    "click",
    () => void onSimple(app, "Fulfil redemptions", "fulfilRedemptions", () => []),
  );
  on("deposit-amount", "input", () => void previewDeposit(app));
  on("withdraw-amount", "input", () => void previewWithdraw(app));
  on("redeem-shares", "input", () => void previewRedeem(app));
  on("deposit-max", "click", () => {
    const p = app.position;
    const info = app.info;
    if (p === null || info === null) return;
    const max = p.baseBalance < p.maxDeposit ? p.baseBalance : p.maxDeposit;
    fill("deposit-amount", max, info.base.decimals, () => void previewDeposit(app));
  });
  on("withdraw-max", "click", () => {
    if (app.position !== null && app.info !== null)
      fill(
        "withdraw-amount",
        app.position.maxWithdraw,
        app.info.base.decimals,
        () => void previewWithdraw(app),
      );
  });
  on("redeem-all", "click", () => {
    if (app.position !== null && app.info !== null)
      fill(
        "redeem-shares",
        app.position.shares,
        app.info.share.decimals,
        () => void previewRedeem(app),
      );
  });
  on("exit-all", "click", () => {
    if (app.position !== null && app.info !== null)
      fill("exit-shares", app.position.shares, app.info.share.decimals, () => undefined);
  });
  const eth = window.ethereum;
  eth?.on?.("accountsChanged", () => {
    if (app.wallet !== null) void connect(app);
  });
  eth?.on?.("chainChanged", () => {
    if (app.wallet !== null) void connect(app);
  });
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.json();
}

async function start(): Promise<void> {
  try {
    const cfg = parseAppConfig(await getJson("/config.json"));
    const abis = await loadAbis(getJson);
    const reader = new JsonRpcProvider(cfg.rpcUrl, cfg.chainId, { staticNetwork: true });
    const app: App = {
      cfg,
      abis,
      decode: makeDecoder([abis.vault, abis.lens, abis.configLib, abis.erc20]),
      reader,
      meta: new Map(),
      info: null,
      read: null,
      snapshot: null,
      position: null,
      wallet: null,
      busy: false,
      refreshing: null,
    };
    wire(app);
    renderPosition(app);
    await refresh(app);
    setInterval(() => {
      if (!app.busy) void refresh(app);
    }, 10_000);
  } catch (err) {
    el("banner").className = "banner danger";
    el("banner-title").textContent = "Status: the page could not start";
    el("banner-text").textContent = err instanceof Error ? err.message : String(err);
  }
}

void start();
