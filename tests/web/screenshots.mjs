// The page as a tablet and a phone show it, for the README:
//
//   node tests/web/screenshots.mjs --build build --out docs
//
// writes remote-tablet.png (1280x800, a 10-inch tablet in landscape) and
// remote-phone.png (390x844, the whole page) from a real wall.
import path from 'node:path';
import * as w from './wall.mjs';

const args = w.parseArgs(process.argv.slice(2));
const out = path.resolve(args.out ?? 'docs');
const wall = new w.Wall(args.build);
let browser;
try {
	await wall.start();
	browser = await w.launchChromium();
	await wall.request('PRESET 1');
	// One camera that cannot be reached, so its slate and the health list show.
	await wall.request('TILE t2 SOURCE huazhou-cam');
	await w.until('the camera to be offline', async () =>
		(await wall.request('LIST TILES')).tiles.find((t) => t.id === 't2').state === 'offline', 60000);
	for (const [name, viewport, fullPage] of [
		['remote-tablet.png', { width: 1280, height: 800 }, false],
		['remote-phone.png', { width: 390, height: 844 }, true],
	]) {
		const page = await w.loggedIn(browser, wall, w.OPERATOR_TOKEN, viewport);
		await w.until('the miniature', () =>
			page.evaluate(() => document.getElementById('miniature').naturalWidth > 0));
		await w.until('preset 1 lit', async () => (await w.presetButton(page, 1).getAttribute('aria-pressed')) === 'true');
		await page.screenshot({ path: path.join(out, name), fullPage });
		await page.context().close();
		console.log(`wrote ${path.join(out, name)}`);
	}
} finally {
	if (browser) await browser.close();
	await wall.stop();
	wall.cleanup();
}
