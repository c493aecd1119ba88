// The web remote's latencies and the miniature's cost, on loopback, against
// a real wall (headless, soft renderer, 1920x1080 canvas, 25 fps):
//
//   node tests/bench/web_remote.mjs --build build [--presses 60] [--seconds 20]
//
// 1. press to presented frame: a preset button pressed on one page until
//    that page hears the wall's reply, which the wall sends only once the
//    frame the change landed on has been presented. Beside it, in the same
//    run, the same command on the control socket (what wallctl or a TCP
//    button panel gets), and the ratio.
// 2. press to lit elsewhere: the same press until a second page (another
//    browser context) lights the button.
//    Bar for both: p95 under two frames + 20 ms.
// 3. the miniature's cost to the render thread: the time the render thread
//    spends copying the canvas for it (/metrics wall_miniature_read_seconds_total)
//    over the frame time of the same interval, with a page that wants the
//    miniature open; and late frames with it on and off. Bar: under 1 %.
//
// Needs what the web test needs (tests/web: npm ci; Debian's chromium).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as w from '../web/wall.mjs';

const args = w.parseArgs(process.argv.slice(2));
const presses = Number(args.presses ?? 60);
const seconds = Number(args.seconds ?? 20);
const fps = 25;
const frameMs = 1000 / fps;

const source = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const layout = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wall-bench-web-')), 'wall.yaml');
fs.writeFileSync(layout, fs.readFileSync(path.join(source, 'tests', 'layouts', 'web.yaml'), 'utf8')
	.replace('canvas: 640x360', 'canvas: 1920x1080').replace('rect: [0, 0, 640, 360]', 'rect: [0, 0, 1920, 1080]'));

const quantile = (values, q) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const summary = (values) => ({ median: quantile(values, 0.5), p95: quantile(values, 0.95), n: values.length });
const fmt = (s) => `median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms (n=${s.n})`;

// Every page stamps what its WebSocket sends and hears, on the shared clock
// (performance.timeOrigin + now()), so two pages' times compare.
const stamp = () => {
	const now = () => performance.timeOrigin + performance.now();
	window.__replies = new Map();
	const Native = window.WebSocket;
	window.WebSocket = class extends Native {
		constructor(...a) {
			super(...a);
			this.addEventListener('message', (m) => {
				if (typeof m.data !== 'string') return;
				const data = JSON.parse(m.data);
				if (data.reply) window.__replies.set(data.reply, now());
			});
		}
		send(text) {
			window.__lastSent = { text, t: now() };
			super.send(text);
		}
	};
	window.__now = now;
};

async function metrics(wall) {
	const response = await fetch(`${wall.url}/metrics`, { headers: { Authorization: `Bearer ${w.OPERATOR_TOKEN}-tcp` } });
	const text = await response.text();
	const value = (name) => Number((text.match(new RegExp(`^${name} (\\S+)$`, 'm')) || [])[1] ?? 0);
	return {
		frames: value('wall_frames_total'), late: value('wall_late_frames_total'),
		reads: value('wall_miniature_reads_total'), readS: value('wall_miniature_read_seconds_total'),
		encodeS: value('wall_miniature_encode_seconds_total'),
		at: performance.now(),
	};
}

const wall = new w.Wall(args.build, { layout, fps });
let browser;
try {
	await wall.start();
	browser = await w.launchChromium();
	const pages = [];
	for (const token of [w.OPERATOR_TOKEN, w.VIEWER_TOKEN]) {
		const context = await browser.newContext({ locale: 'zh-CN' });
		await context.addInitScript(stamp);
		const page = await context.newPage();
		await page.goto(`${wall.url}/`);
		await page.getByLabel('令牌').fill(token);
		await page.getByRole('button', { name: '登录', exact: true }).click();
		await w.presetButton(page, 2).waitFor();
		pages.push(page);
	}
	const [operator, other] = pages;

	const presented = [];
	const elsewhere = [];
	const socket = [];
	for (let i = 0; i < presses; i++) {
		// Press 2 on the page, then put the wall back on 1 from the socket.
		const n = 2;
		const lit = other.evaluate((n) => new Promise((resolve) => {
			const button = document.querySelector(`[data-preset="${n}"]`);
			if (button.getAttribute('aria-pressed') === 'true') { resolve(null); return; }
			const seen = () => resolve(window.__now());
			new MutationObserver((_, observer) => {
				const b = document.querySelector(`[data-preset="${n}"]`);
				if (b && b.getAttribute('aria-pressed') === 'true') { observer.disconnect(); seen(); }
			}).observe(document.getElementById('preset-list'), { subtree: true, childList: true, attributes: true });
		}), n);
		const { t0, tag } = await operator.evaluate((n) => {
			const t0 = window.__now();
			document.querySelector(`[data-preset="${n}"]`).click();
			return { t0, tag: window.__lastSent.text.slice(1).split(' ')[0] };
		}, n);
		const replied = await w.until('the reply', () => operator.evaluate((tag) => window.__replies.get(tag), tag));
		const litAt = await lit;
		presented.push(replied - t0);
		if (litAt !== null) elsewhere.push(litAt - t0);
		// The same change from the control socket, for comparison.
		const s0 = performance.now();
		await wall.request('PRESET 1');
		socket.push(performance.now() - s0);
		await w.until('the pages to settle', async () =>
			(await w.presetButton(operator, 1).getAttribute('aria-pressed')) === 'true' &&
			(await w.presetButton(other, 1).getAttribute('aria-pressed')) === 'true');
		await w.sleep(80);
	}

	// The miniature: off for a while (both pages hidden, as in a pocket),
	// then on for as long (one page shown).
	const show = (page, shown) => page.evaluate((shown) => {
		Object.defineProperty(document, 'hidden', { value: !shown, configurable: true });
		document.dispatchEvent(new Event('visibilitychange'));
	}, shown);
	await show(operator, false);
	await show(other, false);
	await w.sleep(1500);
	const off0 = await metrics(wall);
	await w.sleep(seconds * 1000);
	const off1 = await metrics(wall);
	await show(operator, true);
	await w.sleep(1500);
	const on0 = await metrics(wall);
	await w.sleep(seconds * 1000);
	const on1 = await metrics(wall);

	const p = summary(presented);
	const e = summary(elsewhere);
	const s = summary(socket);
	const bar = 2 * frameMs + 20;
	const frames = on1.frames - on0.frames;
	const readMs = (on1.readS - on0.readS) * 1000;
	const reads = on1.reads - on0.reads;
	const share = readMs / (frames * frameMs) * 100;
	const lines = [
		`load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`,
		`web remote on loopback, ${fps} fps (a frame is ${frameMs} ms; bar: p95 < ${bar} ms), canvas 1920x1080, soft renderer`,
		`press to presented frame (page hears the reply): ${fmt(p)} ${p.p95 < bar ? 'PASS' : 'FAIL'}`,
		`press to lit on a second page:                  ${fmt(e)} ${e.p95 < bar ? 'PASS' : 'FAIL'}`,
		`the same PRESET on the control socket:          ${fmt(s)}`,
		`ratio web/socket: median ${(p.median / s.median).toFixed(2)}, p95 ${(p.p95 / s.p95).toFixed(2)}`,
		`miniature: ${reads} canvas copies in ${frames} frames, ${readMs.toFixed(1)} ms on the render thread ` +
			`(${(readMs / Math.max(reads, 1)).toFixed(2)} ms each) = ${share.toFixed(3)} % of frame time ` +
			`${share < 1 ? 'PASS' : 'FAIL'} (bar 1 %); scaling and PNG off the render thread: ` +
			`${((on1.encodeS - on0.encodeS) * 1000 / Math.max(reads, 1)).toFixed(2)} ms each`,
		`late frames over ${seconds} s: miniature off ${off1.late - off0.late} of ${off1.frames - off0.frames}, ` +
			`on ${on1.late - on0.late} of ${frames}`,
	];
	console.log(lines.join('\n'));
	if (args.out) fs.writeFileSync(args.out, `${lines.join('\n')}\n`);
} finally {
	if (browser) await browser.close();
	await wall.stop();
	wall.cleanup();
	fs.rmSync(path.dirname(layout), { recursive: true, force: true });
}
