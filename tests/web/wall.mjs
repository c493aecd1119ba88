// What the web remote's test, its benchmark and its screenshots share: a
// real wall started here (headless, its own control socket, state file and
// free HTTP port), a control-socket client, Chromium, and logging in.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const OPERATOR_TOKEN = 'zhang-operator-token';
export const VIEWER_TOKEN = 'hall-viewer-token';

export function parseArgs(argv) {
	const args = { build: 'build' };
	for (let i = 0; i < argv.length; i++) {
		if (argv[i].startsWith('--')) args[argv[i].slice(2)] = argv[i + 1]?.startsWith('--') ? true : argv[++i] ?? true;
	}
	return args;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll check() until it returns a truthy value, or fail after ms with what. */
export async function until(what, check, ms = 60000) {
	const end = Date.now() + ms;
	let last;
	while (Date.now() < end) {
		try {
			last = await check();
			if (last) return last;
		} catch (error) {
			last = error;
		}
		await sleep(50);
	}
	throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${last})`);
}

async function freePort() {
	const server = net.createServer();
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address();
	await new Promise((resolve) => server.close(resolve));
	return port;
}

/** The chromium Debian ships, or null. */
export function findChromium() {
	for (const candidate of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
		if (candidate && fs.existsSync(candidate)) return candidate;
	}
	return null;
}

export async function launchChromium() {
	return chromium.launch({
		executablePath: findChromium(),
		headless: true,
		// No sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
		args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
	});
}

/** A wall of its own: call start(), stop(), start() again for a restart on the same port and state. */
export class Wall {
	constructor(build, { layout, fps = 25, extra = [] } = {}) {
		this.build = path.resolve(build);
		this.source = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
		this.layout = layout ?? path.join(this.source, 'tests', 'layouts', 'web.yaml');
		this.fps = fps;
		this.extra = extra;
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wall-web-'));
		this.socket = path.join(this.dir, 'wall.sock');
		this.shots = path.join(this.dir, 'shots');
		fs.mkdirSync(this.shots);
		fs.writeFileSync(path.join(this.dir, 'token'), `${OPERATOR_TOKEN}-tcp\n`, { mode: 0o600 });
		fs.writeFileSync(path.join(this.dir, 'users'),
			`# the web remote's users\noperator zhang ${OPERATOR_TOKEN}\nviewer hall ${VIEWER_TOKEN}\n`, { mode: 0o600 });
		this.log = '';
	}

	get url() { return `http://127.0.0.1:${this.port}`; }

	async start() {
		this.port ??= await freePort();
		const binary = path.join(this.build, 'wall', 'wall');
		const args = ['--backend', 'headless', '--renderer', 'soft', '--fps', String(this.fps),
			'--control', this.socket, '--state', path.join(this.dir, 'state.sqlite'),
			'--screenshot-dir', this.shots, '--http', `127.0.0.1:${this.port}`,
			'--token-file', path.join(this.dir, 'token'), '--web-users', path.join(this.dir, 'users'),
			...this.extra, this.layout];
		// A sanitized wall walks allocation stacks fully, as tests/asan_full_unwind.c
		// says why: only then do the suppressions of tests/lsan.supp match.
		const asan = process.env.ASAN_OPTIONS;
		this.process = spawn(binary, args, {
			env: {
				...process.env, WALL_PLUGIN_PATH: path.join(this.build, 'plugins'),
				ASAN_OPTIONS: `${asan ? `${asan}:` : ''}fast_unwind_on_malloc=0`,
			},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		this.exited = new Promise((resolve) => this.process.on('exit', (code, signal) => resolve({ code, signal })));
		for (const stream of [this.process.stdout, this.process.stderr]) {
			stream.on('data', (chunk) => { this.log += chunk; });
		}
		await until('the wall to serve its page', async () => {
			if (this.process.exitCode !== null) throw new Error(`the wall exited: ${this.log}`);
			const response = await fetch(`${this.url}/api/me`).catch(() => null);
			return response && response.status === 401;
		}, 60000);
	}

	/** SIGTERM, as systemd stops it; resolves with how it exited ({code, signal}). */
	async stop() {
		if (!this.process) return null;
		if (this.process.exitCode === null && this.process.signalCode === null) {
			this.process.kill('SIGTERM');
		}
		const timer = setTimeout(() => this.process.kill('SIGKILL'), 30000);
		const how = await this.exited;
		clearTimeout(timer);
		return how;
	}

	/** One control-socket request line; resolves with the parsed OK object, or throws on ERR. */
	request(line) {
		return new Promise((resolve, reject) => {
			const client = net.createConnection(this.socket);
			let buffer = '';
			client.setEncoding('utf8');
			client.on('connect', () => client.write(`${line}\n`));
			client.on('data', (chunk) => {
				buffer += chunk;
				const newline = buffer.indexOf('\n');
				if (newline < 0) return;
				const reply = buffer.slice(0, newline);
				client.end();
				if (reply.startsWith('OK ')) resolve(JSON.parse(reply.slice(3)));
				else reject(new Error(`${line}: ${reply}`));
			});
			client.on('error', reject);
		});
	}

	/** The wall's own SCREENSHOT, as PNG bytes. */
	async screenshot(name) {
		await this.request(`SCREENSHOT ${name}`);
		return fs.readFileSync(path.join(this.shots, name));
	}

	cleanup() {
		fs.rmSync(this.dir, { recursive: true, force: true });
	}
}

/** Colour [r, g, b] of png at (x, y), decoded by the browser itself. */
export async function pixel(page, png, x, y) {
	return page.evaluate(async ({ data, x, y }) => {
		const image = new Image();
		image.src = `data:image/png;base64,${data}`;
		await image.decode();
		const canvas = new OffscreenCanvas(image.width, image.height);
		const context = canvas.getContext('2d');
		context.drawImage(image, 0, 0);
		return Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3));
	}, { data: png.toString('base64'), x, y });
}

export function near(colour, hex, tolerance = 24) {
	const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
	return colour.every((c, i) => Math.abs(c - want[i]) <= tolerance);
}

/** A new page (its own cookies: another tablet) logged in with token. */
export async function loggedIn(browser, wall, token, viewport = { width: 1280, height: 800 }) {
	const context = await browser.newContext({ viewport, locale: 'zh-CN' });
	// Generous: two cores shared with other builds start Chromium slowly.
	context.setDefaultTimeout(60000);
	const page = await context.newPage();
	await page.goto(`${wall.url}/`);
	await page.getByLabel('令牌').fill(token);
	await page.getByRole('button', { name: '登录', exact: true }).click();
	await page.getByRole('button', { name: /^预案 1\b/ }).waitFor();
	return page;
}

export function presetButton(page, number) {
	return page.getByRole('button', { name: new RegExp(`^(预案|Preset) ${number}\\b`) });
}
