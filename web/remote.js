// The wall's web remote: one WebSocket carries protocol lines out and
// replies, events, camera health and the miniature back (wall/control/web.h).
'use strict';

const TEXT = {
	zh: {
		title: '大屏遥控', logout: '退出', login_title: '登录大屏遥控', token: '令牌', login: '登录',
		presets: '预案', preset: '预案', transition: '转场', cut: '切换', fade: '淡入淡出', wipe: '擦除',
		save_preset: '保存当前画面为预案', wall: '大屏画面', miniature: '大屏实时缩略图', scenes: '场景',
		alarms: '告警', alarm_raise: '弹出告警画面', alarm_clear: '清除告警', health: '摄像机状态',
		search: '搜索摄像机、区县或镇街', reset_tile: '恢复布局', cancel: '取消', number: '编号', name: '名称',
		save: '保存', tile: '画面', pin_title: '为画面 {tile} 选择摄像机', alarm_title: '选择告警摄像机',
		other: '其他', no_town: '未分镇街', operator: '操作员', viewer: '观察员', scene_now: '当前场景：{scene}',
		online_count: '在线 {online} / {all}', all_online: '全部摄像机在线', since: '自 {time} 起',
		live: '正常', connecting: '连接中…', stalled: '画面停滞', offline: '离线', error: '错误',
		online: '在线', unknown: '未知', tour_start: '开始轮巡', tour_stop: '停止轮巡', touring: '轮巡中',
		wrong_token: '令牌错误', wait: '错误次数过多，请 {s} 秒后再试', no_users: '未配置用户',
		forbidden: '观察员只能查看，不能操作大屏', failed: '操作失败：{message}', pinned: '已固定',
		alarm: '告警', down: '与大屏的连接已断开，正在重连…', up: '已连接大屏',
	},
	en: {
		title: 'Wall remote', logout: 'Log out', login_title: 'Log in to the wall remote', token: 'Token', login: 'Log in',
		presets: 'Presets', preset: 'Preset', transition: 'Transition', cut: 'Cut', fade: 'Fade', wipe: 'Wipe',
		save_preset: 'Save the wall as a preset', wall: 'The wall', miniature: 'Live miniature of the wall', scenes: 'Scenes',
		alarms: 'Alarms', alarm_raise: 'Raise an alarm', alarm_clear: 'Clear alarms', health: 'Camera health',
		search: 'Search cameras, districts or towns', reset_tile: 'Back to layout', cancel: 'Cancel', number: 'Number',
		name: 'Name', save: 'Save', tile: 'Tile', pin_title: 'Choose a camera for tile {tile}', alarm_title: 'Choose the alarm camera',
		other: 'Other', no_town: 'No town', operator: 'operator', viewer: 'viewer', scene_now: 'Scene: {scene}',
		online_count: '{online} of {all} online', all_online: 'Every camera is online', since: 'since {time}',
		live: 'live', connecting: 'connecting…', stalled: 'frozen', offline: 'offline', error: 'error',
		online: 'online', unknown: 'unknown', tour_start: 'Start tour', tour_stop: 'Stop tour', touring: 'touring',
		wrong_token: 'Wrong token', wait: 'Too many wrong tokens; try again in {s} s', no_users: 'No users are configured',
		forbidden: 'A viewer can look but not change the wall', failed: 'Failed: {message}', pinned: 'pinned',
		alarm: 'alarm', down: 'Lost the wall; reconnecting…', up: 'Connected to the wall',
	},
};

let lang = localStorage.getItem('wall-lang') === 'en' ? 'en' : 'zh';
const t = (key, vars = {}) =>
	(TEXT[lang][key] ?? key).replace(/\{(\w+)\}/g, (_, name) => vars[name] ?? '');
const $ = (id) => document.getElementById(id);

const state = {
	me: null, ws: null, tags: 0, waiting: new Map(), retryMs: 500,
	scene: null, preset: null, presets: [], scenes: [], tiles: [], sources: [], cameras: [],
	transition: localStorage.getItem('wall-transition') || 'cut', picker: null, refreshTimer: null,
};

function el(tag, props = {}, ...children) {
	const node = document.createElement(tag);
	for (const [key, value] of Object.entries(props)) {
		if (key === 'class') node.className = value;
		else if (key === 'text') node.textContent = value;
		else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
		else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
	}
	node.append(...children.filter((c) => c !== null && c !== undefined));
	return node;
}

function toast(message) {
	const box = $('toast');
	box.textContent = message;
	box.hidden = false;
	clearTimeout(toast.timer);
	toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

function clock(iso) {
	if (!iso) return '';
	const d = typeof iso === 'number' ? new Date(iso / 1000) : new Date(iso);
	return d.toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour: '2-digit', minute: '2-digit' });
}

// ---- The WebSocket ----

function send(line) {
	return new Promise((resolve) => {
		if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
			resolve({ ok: false, code: 'offline', message: t('down') });
			return;
		}
		const tag = `p${++state.tags}`;
		state.waiting.set(tag, resolve);
		state.ws.send(`#${tag} ${line}`);
	});
}

async function command(line) {
	const reply = await send(line);
	// Not every change has an event (a tour stopped, a preset saved): look again.
	if (reply.ok) refreshSoon();
	if (!reply.ok) toast(reply.code === 'forbidden' ? t('forbidden') : t('failed', { message: reply.message }));
	return reply;
}

function quote(word) {
	return /^[^\s"\\#][^\s"\\]*$/.test(word) ? word : `"${word.replace(/["\\]/g, '\\$&')}"`;
}

function connect() {
	const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
	ws.binaryType = 'blob';
	state.ws = ws;
	ws.onopen = () => {
		state.retryMs = 500;
		$('link').dataset.state = 'up';
		$('link').title = t('up');
		ws.send(JSON.stringify({ miniature: !document.hidden }));
		refresh();
	};
	ws.onmessage = (message) => {
		if (typeof message.data !== 'string') {
			showMiniature(message.data);
			return;
		}
		const data = JSON.parse(message.data);
		if (data.reply !== undefined && state.waiting.has(data.reply)) {
			state.waiting.get(data.reply)(data);
			state.waiting.delete(data.reply);
		} else if (data.event) {
			onEvent(data.event);
		} else if (data.cameras) {
			state.cameras = data.cameras;
			renderHealth();
		} else if (data.hello) {
			showUser(data.hello);
		}
	};
	ws.onclose = () => {
		if (state.ws !== ws) return;
		state.ws = null;
		$('link').dataset.state = 'down';
		$('link').title = t('down');
		for (const resolve of state.waiting.values()) resolve({ ok: false, code: 'offline', message: t('down') });
		state.waiting.clear();
		// The wall restarts in seconds: try again soon, a little later each time.
		setTimeout(reconnect, state.retryMs);
		state.retryMs = Math.min(state.retryMs * 2, 3000);
	};
}

async function reconnect() {
	try {
		const me = await fetch('/api/me', { cache: 'no-store' });
		if (me.status === 401) { showLogin(); return; }
		if (!me.ok) throw new Error(me.status);
	} catch {
		setTimeout(reconnect, state.retryMs);
		state.retryMs = Math.min(state.retryMs * 2, 3000);
		return;
	}
	connect();
}

function onEvent(event) {
	if (event.event === 'scene') {
		state.scene = event.scene;
		state.preset = event.preset;
		renderPresets();
		renderScenes();
		refreshSoon();
	} else if (event.event === 'tile') {
		const tile = state.tiles.find((x) => x.id === event.tile);
		if (tile) Object.assign(tile, { source: event.source, state: event.state, reason: event.reason, since: event.since });
		renderTiles();
		refreshSoon();
	} else {
		refreshSoon();
	}
}

function refreshSoon() {
	clearTimeout(state.refreshTimer);
	state.refreshTimer = setTimeout(refresh, 150);
}

async function refresh() {
	const [status, presets, scenes, sources] = await Promise.all([
		send('STATUS'), send('LIST PRESETS'), send('LIST SCENES'), send('LIST SOURCES'),
	]);
	if (status.ok) {
		state.scene = status.result.scene;
		state.preset = status.result.preset;
		state.tiles = status.result.tiles || [];
	}
	if (presets.ok) state.presets = presets.result.presets || [];
	if (scenes.ok) state.scenes = scenes.result.scenes || [];
	if (sources.ok) state.sources = sources.result.sources || [];
	render();
}

let miniatureUrl = null;
function showMiniature(blob) {
	// One picture per ask, so a slow link never piles pictures up.
	if (!document.hidden && state.ws) state.ws.send(JSON.stringify({ miniature: true }));
	const url = URL.createObjectURL(blob);
	$('miniature').src = url;
	if (miniatureUrl) URL.revokeObjectURL(miniatureUrl);
	miniatureUrl = url;
}

// ---- Drawing the page ----

function render() {
	translate();
	renderTransitions();
	renderPresets();
	renderScenes();
	renderTiles();
	renderHealth();
}

function translate() {
	document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
	document.title = t('title');
	for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
	for (const node of document.querySelectorAll('[data-t-label]')) node.setAttribute('aria-label', t(node.dataset.tLabel));
	for (const node of document.querySelectorAll('[data-t-label]')) node.placeholder = t(node.dataset.tLabel);
	for (const node of document.querySelectorAll('[data-t-alt]')) node.alt = t(node.dataset.tAlt);
	$('lang').textContent = lang === 'zh' ? 'English' : '中文';
	$('lang').lang = lang === 'zh' ? 'en' : 'zh-CN';
	if (state.me) showUser(state.me);
}

function renderTransitions() {
	const group = $('transitions');
	group.querySelectorAll('button').forEach((b) => b.remove());
	for (const kind of ['cut', 'fade', 'wipe']) {
		group.append(el('button', {
			type: 'button', role: 'radio', 'aria-checked': String(state.transition === kind), text: t(kind),
			onclick: () => { state.transition = kind; localStorage.setItem('wall-transition', kind); renderTransitions(); },
		}));
	}
}

function transitionWords() {
	return state.transition === 'cut' ? '' : ` TRANSITION ${state.transition}`;
}

function renderPresets() {
	const list = $('preset-list');
	list.replaceChildren(...state.presets.map((p) => {
		const name = p.name || p.scene || '';
		const button = el('button', {
			type: 'button', class: 'preset', 'data-preset': p.number,
			'aria-pressed': String(state.preset === p.number),
			'aria-label': `${t('preset')} ${p.number} ${name}`.trim(),
			onclick: async () => {
				button.classList.add('pending');
				await command(`PRESET ${p.number}${transitionWords()}`);
				button.classList.remove('pending');
			},
		}, el('span', { class: 'n', text: p.number }), el('span', { class: 'name', text: name }));
		return button;
	}));
}

function renderScenes() {
	$('scene-now').textContent = state.scene ? t('scene_now', { scene: state.scene }) : '';
	$('scene-list').replaceChildren(...state.scenes.map((s) => el('button', {
		type: 'button', 'aria-pressed': String(s.name === state.scene), text: s.name,
		onclick: () => command(`SCENE ${quote(s.name)}${transitionWords()}`),
	})));
}

function sourceLabel(name) {
	const source = state.sources.find((s) => s.name === name);
	return (source && source.label) || name || '';
}

function stateText(tile) {
	const word = t(tile.state || 'unknown');
	if (tile.state === 'offline' && tile.since) return `${word} ${t('since', { time: clock(tile.since) })}`;
	return word;
}

function renderTiles() {
	$('tile-list').replaceChildren(...state.tiles.map((tile) => {
		const label = sourceLabel(tile.source);
		const classes = ['tile', tile.pinned ? 'pinned' : '', tile.alarm ? 'alarm' : ''].join(' ');
		const card = el('div', { class: 'tile-card' },
			el('button', {
				type: 'button', class: classes, 'data-tile': tile.id,
				'aria-label': `${t('tile')} ${tile.id} ${label} ${stateText(tile)}`,
				disabled: state.me && state.me.role !== 'operator' ? '' : null,
				onclick: () => openPicker('pin', tile.id),
			},
			el('span', { class: 'id', text: `${t('tile')} ${tile.id}${tile.pinned ? ` · ${t('pinned')}` : ''}${tile.alarm ? ` · ${t('alarm')}` : ''}` }),
			el('span', { class: 'label', text: label }),
			el('span', { class: `state st-${tile.state}`, text: stateText(tile) })));
		if (tile.tour) {
			const running = tile.tour.running && !tile.tour.paused;
			card.append(el('div', { class: 'tour operator' }, el('button', {
				type: 'button', 'aria-pressed': String(running),
				text: running ? t('tour_stop') : t('tour_start'),
				'aria-label': `${running ? t('tour_stop') : t('tour_start')} ${tile.id}`,
				onclick: () => command(`TOUR ${quote(tile.id)} ${running ? 'STOP' : 'START'}`),
			})));
		}
		return card;
	}));
}

function renderHealth() {
	const cameras = state.cameras;
	const online = cameras.filter((c) => c.state === 'online').length;
	$('health-count').textContent = cameras.length ? t('online_count', { online, all: cameras.length }) : '';
	const bad = cameras.filter((c) => c.state !== 'online');
	const list = $('health-list');
	if (cameras.length && !bad.length) {
		list.replaceChildren(el('li', { class: 'all-ok', text: t('all_online') }));
		return;
	}
	list.replaceChildren(...bad.map((c) => el('li', {},
		el('span', { text: sourceLabel(c.source) }),
		el('span', { class: `st-${c.state}`, text: `${t(c.state)} ${c.since_us ? t('since', { time: clock(c.since_us) }) : ''}` }),
		el('span', { class: 'why', text: [c.district, c.town, c.reason].filter(Boolean).join(' · ') }))));
}

// ---- Choosing a camera: grouped by district and town, searchable ----

function openPicker(purpose, tileId) {
	state.picker = { purpose, tileId };
	$('picker-title').textContent = purpose === 'pin' ? t('pin_title', { tile: tileId }) : t('alarm_title');
	$('picker-reset').hidden = purpose !== 'pin';
	$('picker-search').value = '';
	renderPicker();
	$('picker').showModal();
	$('picker-search').focus();
}

function renderPicker() {
	const words = $('picker-search').value.trim().toLowerCase().split(/\s+/).filter(Boolean);
	const where = new Map(state.cameras.map((c) => [c.source, c]));
	const groups = new Map();
	for (const source of state.sources) {
		const camera = where.get(source.name) || {};
		const district = source.district || camera.district || t('other');
		const town = source.town || camera.town || t('no_town');
		const hay = `${source.name} ${source.label || ''} ${district} ${town}`.toLowerCase();
		if (!words.every((w) => hay.includes(w))) continue;
		if (!groups.has(district)) groups.set(district, new Map());
		const towns = groups.get(district);
		if (!towns.has(town)) towns.set(town, []);
		towns.get(town).push({ source, camera });
	}
	const nodes = [];
	for (const [district, towns] of groups) {
		nodes.push(el('h3', { text: district }));
		for (const [town, items] of towns) {
			nodes.push(el('h4', { text: town }));
			for (const { source, camera } of items) {
				nodes.push(el('button', {
					type: 'button', 'aria-label': source.label || source.name,
					onclick: () => pick(source.name),
				}, el('span', { text: source.label || source.name }),
				camera.state ? el('span', { class: `st-${camera.state}`, text: t(camera.state) }) : null));
			}
		}
	}
	$('picker-list').replaceChildren(...nodes);
}

async function pick(name) {
	const { purpose, tileId } = state.picker;
	$('picker').close();
	if (purpose === 'pin') await command(`TILE ${quote(tileId)} SOURCE ${quote(name)}`);
	else await command(`ALARM ${quote(name)}`);
	refreshSoon();
}

// ---- Logging in ----

function showUser(me) {
	state.me = me;
	$('who').textContent = `${me.user} · ${t(me.role)}`;
	document.body.classList.toggle('viewer', me.role !== 'operator');
	$('logout').hidden = false;
}

function showLogin() {
	$('remote').hidden = true;
	$('login').hidden = false;
	$('logout').hidden = true;
	$('who').textContent = '';
	$('token').focus();
}

function showRemote() {
	$('login').hidden = true;
	$('remote').hidden = false;
	render();
}

async function login(event) {
	event.preventDefault();
	const error = $('login-error');
	error.textContent = '';
	const response = await fetch('/api/login', {
		method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ token: $('token').value }),
	});
	const body = await response.json().catch(() => ({}));
	if (response.ok) {
		$('token').value = '';
		showUser(body);
		showRemote();
		connect();
		return;
	}
	error.textContent = response.status === 429 ? t('wait', { s: body.wait_s })
		: body.error && body.error.startsWith('no users') ? t('no_users') : t('wrong_token');
}

async function start() {
	translate();
	$('login-form').addEventListener('submit', login);
	$('lang').addEventListener('click', () => {
		lang = lang === 'zh' ? 'en' : 'zh';
		localStorage.setItem('wall-lang', lang);
		render();
	});
	$('logout').addEventListener('click', async () => {
		await fetch('/api/logout', { method: 'POST' });
		const ws = state.ws;
		state.ws = null;
		if (ws) ws.close();
		state.me = null;
		showLogin();
	});
	$('save-preset').addEventListener('click', () => {
		const used = new Set(state.presets.map((p) => p.number));
		let n = 1;
		while (used.has(n)) n++;
		$('saver-number').value = n;
		$('saver-name').value = '';
		$('saver').showModal();
	});
	$('saver').addEventListener('close', async () => {
		if ($('saver').returnValue !== 'ok') return;
		const name = $('saver-name').value.trim();
		await command(`PRESET SAVE ${Number($('saver-number').value)}${name ? ` ${name}` : ''}`);
		refreshSoon();
	});
	$('picker-search').addEventListener('input', renderPicker);
	$('picker-reset').addEventListener('click', async () => {
		const { tileId } = state.picker;
		$('picker').close();
		await command(`TILE ${quote(tileId)} RESET`);
		refreshSoon();
	});
	$('alarm-raise').addEventListener('click', () => openPicker('alarm'));
	$('alarm-clear').addEventListener('click', () => command('ALARM CLEAR'));
	document.addEventListener('visibilitychange', () => {
		if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ miniature: !document.hidden }));
	});
	const me = await fetch('/api/me', { cache: 'no-store' }).catch(() => null);
	if (me && me.ok) {
		showUser(await me.json());
		showRemote();
		connect();
	} else {
		showLogin();
	}
}

// What has no event (a tour's next camera, a change of another page's
// tour) shows within a few seconds anyway.
setInterval(() => { if (state.ws && state.ws.readyState === WebSocket.OPEN && !document.hidden) refresh(); }, 5000);

start();
