// The web remote in a real browser: headless Chromium (Debian's chromium)
// driven by playwright-core against a real wall started here. Controls are
// found by role and accessible name, as a person finds them by their text.
//
//   node tests/web/remote.test.mjs --build BUILD_DIR
//
// Exit 77 (meson's skip) when Chromium or playwright-core (.ci/setup
// installs it: npm ci in tests/web) is missing.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
if (!fs.existsSync(path.join(here, 'node_modules', 'playwright-core'))) {
	console.log('SKIP: playwright-core is not installed (npm ci --prefix tests/web)');
	process.exit(77);
}
const w = await import('./wall.mjs');
if (!w.findChromium()) {
	console.log('SKIP: no chromium (apt-get install chromium)');
	process.exit(77);
}

const args = w.parseArgs(process.argv.slice(2));
const wall = new w.Wall(args.build);
let browser;
let failed = false;

async function step(name, fn) {
	const start = Date.now();
	try {
		await fn();
		console.log(`ok - ${name} (${Date.now() - start} ms)`);
	} catch (error) {
		failed = true;
		console.log(`not ok - ${name}\n  ${error.stack}`);
		throw error;
	}
}

const pressed = (page, n) => w.presetButton(page, n).getAttribute('aria-pressed');
const centre = async (page, name, x = 320, y = 180) => w.pixel(page, await wall.screenshot(name), x, y);

/** A raw WebSocket handshake with the given headers: the HTTP status the server answers. */
function handshake(headers) {
	return new Promise((resolve, reject) => {
		const request = http.request({
			host: '127.0.0.1', port: wall.port, path: '/ws',
			headers: {
				Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
				'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers,
			},
		});
		request.on('upgrade', (response, socket) => { socket.destroy(); resolve(response.statusCode); });
		request.on('response', (response) => { response.resume(); resolve(response.statusCode); });
		request.on('error', reject);
		request.end();
	});
}

try {
	await wall.start();
	browser = await w.launchChromium();
	const blank = await (await browser.newContext()).newPage();
	let operator;
	let viewer;

	await step('operator and viewer log in with their tokens', async () => {
		operator = await w.loggedIn(browser, wall, w.OPERATOR_TOKEN);
		viewer = await w.loggedIn(browser, wall, w.VIEWER_TOKEN);
		await operator.getByText('zhang · 操作员').waitFor();
		await viewer.getByText('hall · 观察员').waitFor();
		// The session cookie is not for scripts, and never sent cross-site.
		const [cookie] = await operator.context().cookies();
		if (!cookie.httpOnly || cookie.sameSite !== 'Strict') throw new Error(JSON.stringify(cookie));
	});

	await step('preset 2 pressed on the operator page: the wall shows it, both pages light it', async () => {
		// The wall started on its start scene, not from a preset: nothing is lit yet.
		await operator.getByRole('button', { name: /^画面 t1 / }).waitFor();
		if ((await pressed(operator, 2)) !== 'false') throw new Error('preset 2 lit before any press');
		await w.presetButton(operator, 2).click();
		await w.until('preset 2 lit on the operator page', async () => (await pressed(operator, 2)) === 'true');
		await w.until('preset 2 lit on the second page', async () => (await pressed(viewer, 2)) === 'true');
		if ((await pressed(viewer, 1)) !== 'false') throw new Error('preset 1 still lit');
		const status = await wall.request('STATUS');
		if (status.preset !== 2 || status.scene !== 'meeting') throw new Error(JSON.stringify(status));
		// Preset 2 is the meeting scene: gaozhou-green over the whole canvas.
		const colour = await centre(blank, 'preset2.png');
		if (!w.near(colour, '#30c050')) throw new Error(`screenshot centre ${colour}, expected green`);
	});

	await step('the change is audited with the user and the address', async () => {
		const { audit } = await wall.request('AUDIT 20');
		const row = audit.find((r) => r.command === 'PRESET 2');
		if (!row || !/^web:zhang 127\.0\.0\.1:\d+$/.test(row.peer) || row.result !== 'OK') {
			throw new Error(JSON.stringify(audit));
		}
	});

	await step("a viewer's press is refused and nothing changes", async () => {
		await w.presetButton(viewer, 1).click();
		await viewer.getByRole('alert').filter({ hasText: '观察员只能查看' }).waitFor();
		await w.sleep(500);
		const status = await wall.request('STATUS');
		if (status.preset !== 2) throw new Error(`preset ${status.preset} after a viewer's press`);
		if ((await pressed(operator, 2)) !== 'true') throw new Error('the lit button moved');
		if (!w.near(await centre(blank, 'viewer.png'), '#30c050')) throw new Error('the wall changed');
		const { audit } = await wall.request('AUDIT 50');
		if (audit.some((r) => r.peer.startsWith('web:hall'))) throw new Error('a viewer changed something');
	});

	await step('a change from the control socket lights the button on every page', async () => {
		await wall.request('PRESET 1');
		await w.until('preset 1 lit on the operator page', async () => (await pressed(operator, 1)) === 'true');
		await w.until('preset 1 lit on the viewer page', async () => (await pressed(viewer, 1)) === 'true');
	});

	await step('tap a tile and pin a camera from the searchable list: the wall shows it', async () => {
		await operator.getByRole('button', { name: /^画面 t2 / }).click();
		const dialog = operator.getByRole('dialog');
		await dialog.getByRole('heading', { name: '茂南区' }).waitFor();
		await dialog.getByRole('searchbox').fill('云潭');
		await w.until('the list narrowed to 高州市',
			async () => (await dialog.getByRole('heading', { name: '茂南区' }).count()) === 0 &&
				(await dialog.getByRole('heading', { name: '高州市' }).count()) === 1);
		await dialog.getByRole('button', { name: '高州市云潭镇 01' }).click();
		await w.until('tile t2 shows the camera on the page',
			async () => (await operator.getByRole('button', { name: /^画面 t2 高州市云潭镇 01/ }).count()) === 1);
		const tiles = (await wall.request('LIST TILES')).tiles;
		if (tiles.find((t) => t.id === 't2').pinned !== 'gaozhou-green') throw new Error(JSON.stringify(tiles));
		// t2 is the right half of scene main: green now, and t1 (left) still red.
		if (!w.near(await centre(blank, 'pinned.png', 480, 180), '#30c050')) throw new Error('t2 is not green');
		if (!w.near(await centre(blank, 'pinned.png', 160, 180), '#c03030')) throw new Error('t1 changed');
	});

	await step('raise an alarm for a camera chosen from the list, then clear it', async () => {
		await operator.getByRole('button', { name: '弹出告警画面' }).click();
		const dialog = operator.getByRole('dialog');
		await dialog.getByRole('searchbox').fill('水东');
		await dialog.getByRole('button', { name: '电白区水东镇 01' }).click();
		await w.until('a tile showing the alarm on the page',
			async () => (await operator.getByRole('button', { name: /电白区水东镇 01/ }).count()) > 0);
		const alarmed = (await wall.request('LIST TILES')).tiles.filter((t) => t.alarm);
		if (alarmed.length !== 1 || alarmed[0].source !== 'dianbai-yellow') throw new Error(JSON.stringify(alarmed));
		await operator.getByRole('button', { name: '清除告警' }).click();
		await w.until('the alarm cleared on the wall',
			async () => (await wall.request('LIST TILES')).tiles.every((t) => !t.alarm));
	});

	await step('save the wall as a preset, and start and stop a tour', async () => {
		await operator.getByRole('button', { name: '保存当前画面为预案' }).click();
		const dialog = operator.getByRole('dialog');
		await dialog.getByLabel('编号').fill('7');
		await dialog.getByLabel('名称').fill('早会');
		await dialog.getByRole('button', { name: '保存' }).click();
		await w.presetButton(operator, 7).filter({ hasText: '早会' }).waitFor();
		const { presets } = await wall.request('LIST PRESETS');
		if (!presets.some((p) => p.number === 7 && p.name === '早会' && p.saved)) throw new Error(JSON.stringify(presets));
		await w.presetButton(operator, 3).click();
		await operator.getByRole('button', { name: '停止轮巡 tour' }).click();
		await w.until('the tour stopped', async () =>
			(await wall.request('LIST TILES')).tiles.find((t) => t.id === 'tour').tour.running === false);
		await operator.getByRole('button', { name: '开始轮巡 tour' }).click();
		await w.until('the tour running', async () =>
			(await wall.request('LIST TILES')).tiles.find((t) => t.id === 'tour').tour.running === true);
		await w.presetButton(operator, 1).click();
		await w.until('back on preset 1', async () => (await wall.request('STATUS')).preset === 1);
	});

	await step('the miniature of the wall arrives, and keeps coming', async () => {
		await w.until('a miniature picture', () =>
			operator.evaluate(() => document.getElementById('miniature').naturalWidth > 0));
		const first = await operator.locator('#miniature').getAttribute('src');
		await w.until('the next miniature picture',
			async () => (await operator.locator('#miniature').getAttribute('src')) !== first);
	});

	await step('the page switches to English', async () => {
		await operator.getByRole('button', { name: 'English' }).click();
		await operator.getByRole('button', { name: /^Preset 2 meeting/ }).waitFor();
		await operator.getByRole('button', { name: '中文' }).click();
		await w.presetButton(operator, 2).waitFor();
	});

	await step('after the wall restarts the pages reconnect and show its current state', async () => {
		const how = await wall.stop();
		// Clean, with its pages open (a sanitized build also finds no leaks).
		if (how.code !== 0) throw new Error(`the wall exited ${JSON.stringify(how)}`);
		await w.until('the page to see the wall gone',
			async () => (await operator.locator('#link').getAttribute('data-state')) === 'down');
		await wall.start();
		// A change made while the pages were away, or right after: they must show it.
		await wall.request('PRESET 3');
		await w.until('preset 3 lit on the operator page', async () => (await pressed(operator, 3)) === 'true', 60000);
		await w.until('preset 3 lit on the viewer page', async () => (await pressed(viewer, 3)) === 'true', 60000);
		await w.presetButton(operator, 2).click();
		await w.until('preset 2 from the page after the restart', async () => (await wall.request('STATUS')).preset === 2);
	});

	await step('cross-site requests are refused', async () => {
		const evil = { Origin: 'http://evil.example' };
		const login = await fetch(`${wall.url}/api/login`, {
			method: 'POST', headers: { ...evil, 'Content-Type': 'application/json' },
			body: JSON.stringify({ token: w.OPERATOR_TOKEN }),
		});
		if (login.status !== 403) throw new Error(`cross-site login answered ${login.status}`);
		const [cookie] = await operator.context().cookies();
		const session = `${cookie.name}=${cookie.value}`;
		if ((await handshake({ ...evil, Cookie: session })) !== 403) throw new Error('cross-site WebSocket accepted');
		if ((await handshake({ Origin: wall.url })) !== 401) throw new Error('WebSocket without a session accepted');
		if ((await handshake({ Origin: wall.url, Cookie: session })) !== 101) throw new Error('own page refused');
	});

	await step('wrong tokens are refused, and after three the address must wait', async () => {
		const context = await browser.newContext({ locale: 'zh-CN' });
		context.setDefaultTimeout(60000);
		const page = await context.newPage();
		await page.goto(`${wall.url}/`);
		for (let i = 0; i < 3; i++) {
			await page.getByLabel('令牌').fill(`wrong-token-${i}`);
			await page.getByRole('button', { name: '登录', exact: true }).click();
			await page.getByRole('alert').filter({ hasText: '令牌错误' }).waitFor();
			await page.evaluate(() => { document.getElementById('login-error').textContent = ''; });
		}
		// More wrong tries, each once the address may try again, until the
		// wait is 16 s: long enough for the page's try to land inside it on
		// a busy machine.
		for (let checked = 3; checked < 6;) {
			const response = await fetch(`${wall.url}/api/login`, {
				method: 'POST', headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ token: `wrong-token-${checked}` }),
			});
			const body = await response.json();
			if (response.status === 429) await w.sleep(body.wait_s * 1000);
			else if (response.status === 401) checked++;
			else throw new Error(`a wrong token answered ${response.status}`);
		}
		await page.getByLabel('令牌').fill(w.OPERATOR_TOKEN);
		await page.getByRole('button', { name: '登录', exact: true }).click();
		// Not even checked: the right token waits out the backoff too.
		await page.getByRole('alert').filter({ hasText: /请 \d+ 秒后再试/ }).waitFor();
		await context.close();
	});
} catch {
	failed = true;
	console.log(`--- wall log ---\n${wall.log.slice(-6000)}`);
} finally {
	if (browser) await browser.close();
	const how = await wall.stop();
	if (!failed && how && how.code !== 0) {
		failed = true;
		console.log(`not ok - the wall exited ${JSON.stringify(how)}\n--- wall log ---\n${wall.log.slice(-6000)}`);
	}
	wall.cleanup();
}
process.exit(failed ? 1 : 0);
