"""The VM's root file system, built at run time from the machine's own files.

One uncompressed cpio archive (the kernel unpacks it as its first root) with:
busybox and an init script, the kernel modules for virtio-gpu and a virtio
keyboard with everything they depend on, the built wall with its plugins and
shaders, every library `ldd` names for them, fontconfig and a few fonts, Mesa's
software DRI driver for the gl renderer, and the layout.

Nothing here is tied to one machine: the kernel version is the one whose
modules are installed, libraries sit where `ldd` finds them, and the guest
finds them through LD_LIBRARY_PATH.
"""

import glob
import os
import re
import shlex
import shutil
import stat
import subprocess

# What the guest loads, by module name; modules.dep brings in what they need,
# in the right order (virtio_ring before virtio, and so on).
MODULES = ["virtio_pci", "virtio-gpu", "virtio_input", "evdev"]

# The fonts the wall's labels use: Noto Sans CJK for Chinese names, DejaVu
# for the rest. fontconfig builds its cache in the guest.
FONT_GLOBS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
]

# Settings of this environment the wall in the guest gets as well.
FORWARDED_ENV = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "G_MESSAGES_DEBUG", "G_DEBUG"}

# Files next to a layout that it may name (images, data); bigger ones stay out.
LAYOUT_FILE_MAX_BYTES = 8 << 20


class ImageError(Exception):
    pass


def find_kernel():
    """(vmlinuz path, module folder) of the newest kernel with its modules installed."""
    found = []
    for modules in glob.glob("/lib/modules/*/modules.dep"):
        version = os.path.basename(os.path.dirname(modules))
        vmlinuz = "/boot/vmlinuz-" + version
        if os.path.isfile(vmlinuz) and os.access(vmlinuz, os.R_OK):
            found.append((os.path.getmtime(vmlinuz), vmlinuz, os.path.dirname(modules)))
    if not found:
        return None
    found.sort()
    return found[-1][1], found[-1][2]


def module_order(module_dir, names):
    """Module files (relative to module_dir) in an order insmod accepts."""
    deps = {}
    by_name = {}
    with open(os.path.join(module_dir, "modules.dep")) as f:
        for line in f:
            path, _, rest = line.partition(":")
            deps[path] = rest.split()
            base = os.path.basename(path).split(".ko")[0]
            by_name[base] = path
            by_name[base.replace("-", "_")] = path
    order = []

    def visit(path):
        if path in order:
            return
        for dep in deps.get(path, []):
            visit(dep)
        order.append(path)

    for name in names:
        if name not in by_name:
            raise ImageError(f"no kernel module {name} in {module_dir}")
        visit(by_name[name])
    return order


class Archive:
    """A newc cpio archive written as files are added."""

    def __init__(self, path):
        self.file = open(path, "wb")
        self.inode = 1
        self.dirs = set()
        self.paths = set()

    def _entry(self, name, mode, data=b"", mtime=0):
        name_bytes = name.encode() + b"\0"
        fields = [self.inode, mode, 0, 0, 1, int(mtime), len(data), 0, 0, 0, 0,
                  len(name_bytes), 0]
        self.inode += 1
        header = "070701" + "".join(f"{v:08x}" for v in fields)
        self.file.write(header.encode() + name_bytes)
        self.file.write(b"\0" * ((4 - (110 + len(name_bytes)) % 4) % 4))
        self.file.write(data)
        self.file.write(b"\0" * ((4 - len(data) % 4) % 4))

    def mkdir(self, path):
        path = path.strip("/")
        if not path or path in self.dirs:
            return
        self.mkdir(os.path.dirname(path))
        self.dirs.add(path)
        self._entry(path, stat.S_IFDIR | 0o755)

    def add_bytes(self, path, data, mode=0o644):
        path = path.strip("/")
        if path in self.paths:
            return
        self.mkdir(os.path.dirname(path))
        self.paths.add(path)
        self._entry(path, stat.S_IFREG | mode, data)

    def add_file(self, host_path, guest_path=None):
        guest_path = guest_path or host_path
        with open(host_path, "rb") as f:
            data = f.read()
        mode = os.stat(host_path).st_mode & 0o777
        self.add_bytes(guest_path, data, mode)

    def add_symlink(self, path, target):
        path = path.strip("/")
        self.mkdir(os.path.dirname(path))
        self.paths.add(path)
        self._entry(path, stat.S_IFLNK | 0o777, target.encode())

    def add_tree(self, host_dir, guest_dir):
        for root, _, files in os.walk(host_dir):
            for name in files:
                host = os.path.join(root, name)
                rel = os.path.relpath(host, host_dir)
                if os.path.isfile(host) and os.path.getsize(host) <= LAYOUT_FILE_MAX_BYTES:
                    self.add_file(host, os.path.join(guest_dir, rel))

    def close(self):
        self._entry("TRAILER!!!", 0)
        self.file.close()


def shared_libraries(elf_paths):
    """Every library the dynamic loader would map for these files, with the loader."""
    libs = set()
    for path in elf_paths:
        out = subprocess.run(["ldd", path], capture_output=True, text=True)
        if out.returncode != 0:
            raise ImageError(f"ldd {path}: {out.stderr.strip() or out.stdout.strip()}")
        for line in out.stdout.splitlines():
            if "not found" in line:
                raise ImageError(f"{path} needs a library that is not here: {line.strip()}")
            m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
            if m:
                libs.add(m.group(1))
    return libs


def layout_plugins(layout_path, plugin_root):
    """The plugin files the layout names (plugin: NAME), or every plugin if unsure."""
    everything = sorted(glob.glob(os.path.join(plugin_root, "**", "*.so"), recursive=True))
    with open(layout_path, encoding="utf-8") as f:
        names = set(re.findall(r"\bplugin:\s*\"?([A-Za-z0-9_-]+)", f.read()))
    chosen = [p for p in everything if os.path.basename(p)[:-3] in names]
    return chosen if chosen else everything


def guest_path(path):
    """Where path leads in the guest, whose /lib, /lib64 and /bin lead into /usr."""
    for top in ("/lib/", "/lib64/", "/bin/", "/sbin/"):
        if path.startswith(top):
            return "/usr/" + ("bin/" if top == "/sbin/" else top[1:]) + path[len(top):]
    return path


def add_libraries(archive, elfs):
    """Copy each library to its real path, with a link where ldd names it; return their folders."""
    folders = set()
    for lib in sorted(shared_libraries(elfs)):
        real = os.path.realpath(lib)
        archive.add_file(real)
        folders.add(os.path.dirname(real))
        named = guest_path(lib)
        if named != real and named.strip("/") not in archive.paths:
            archive.add_symlink(named, real)
    return folders


def gl_files(libdir):
    """Mesa's EGL, GBM and software DRI driver: what the gl renderer loads at run time."""
    files = [os.path.join(libdir, "libEGL_mesa.so.0"), os.path.join(libdir, "libgbm.so.1"),
             os.path.join(libdir, "dri", "kms_swrast_dri.so")]
    missing = [f for f in files if not os.path.exists(f)]
    if missing:
        raise ImageError("the gl renderer needs Mesa's " + ", ".join(missing))
    return files


INIT = """#!/bin/busybox sh
# The VM's first process: modules, devices, then the wall with its output
# on the second serial port. Lines for the harness go to the console.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
for m in $(cat /etc/vm/modules); do
	insmod /lib/modules/$m || echo "vm: insmod $m failed"
done
i=0
while [ ! -e /dev/dri/card0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -e /dev/dri/card0 ] || echo "vm: no /dev/dri/card0"
if [ -e /etc/vm/udev ]; then
	# The machine's own udev daemon and rules, as on a wall's machine.
	/usr/lib/systemd/systemd-udevd --daemon
	udevadm trigger --action=add
	udevadm settle --timeout=60 || echo "vm: udev did not settle"
	echo "vm: udev is running"
else
	# No udev daemon runs here. libinput's path backend still asks libudev
	# whether udev has seen a device and what it is, so write down what
	# udev would: every event device is initialised and has keys.
	mkdir -p /run/udev/data
	for dev in /sys/class/input/event*/dev; do
		printf 'I:1\nE:ID_INPUT=1\nE:ID_INPUT_KEY=1\nE:ID_INPUT_KEYBOARD=1\n' \
			>/run/udev/data/c$(cat $dev)
	done
fi
stty -F /dev/ttyS1 raw -echo
. /etc/vm/env
cd /tmp
echo "vm: starting the wall"
/wall/bin/wall {args} >/dev/ttyS1 2>&1 </dev/null &
wall=$!
# Lines on the third serial port: "stop" stops the wall as systemd would;
# "run COMMAND" runs a shell command here (unplug a monitor, switch VT).
stty -F /dev/ttyS2 -echo
while read -r line; do
	case "$line" in
	stop) kill -TERM $wall ;;
	run\ *)
		echo "vm: running: ${line#run }"
		timeout 30 sh -c "${line#run }" </dev/null
		echo "vm: ran, status $?" ;;
	esac
done </dev/ttyS2 &
wait $wall
echo "vm: the wall exited with status $?"
while true; do sleep 3600; done
"""


def udev_files():
    """systemd-udevd (one binary with udevadm) and its rules, or an ImageError."""
    udevadm = shutil.which("udevadm") or "/bin/udevadm"
    rules = "/lib/udev/rules.d"
    if not os.access(udevadm, os.X_OK) or not os.path.isdir(rules):
        raise ImageError("--udev needs udev's udevadm and rules (Debian: udev)")
    return os.path.realpath(udevadm), rules


def build(out_path, *, build_root, layout, renderer, wall_args, module_dir, udev=False,
          env=None):
    """Write the initramfs to out_path. Returns its size in bytes."""
    archive = Archive(out_path)
    for d in ["dev", "proc", "sys", "tmp", "run", "root", "usr/bin", "usr/lib", "usr/lib64",
              "var/cache/fontconfig"]:
        archive.mkdir(d)
    # Debian's merged /usr, so that paths from ldd resolve in the guest too.
    for link in ["bin", "lib", "lib64", "sbin"]:
        archive.add_symlink(link, "usr/" + ("bin" if link == "sbin" else link))
    busybox = "/bin/busybox"
    archive.add_file(os.path.realpath(busybox), "usr/bin/busybox")

    modules = module_order(module_dir, MODULES)
    for m in modules:
        archive.add_file(os.path.join(module_dir, m), os.path.join("lib/modules", m))
    archive.add_bytes("etc/vm/modules", ("\n".join(modules) + "\n").encode())

    wall = os.path.join(build_root, "wall", "wall")
    if not os.access(wall, os.X_OK):
        raise ImageError(f"no wall binary at {wall}: build it first")
    archive.add_file(wall, "wall/bin/wall")
    plugins = layout_plugins(layout, os.path.join(build_root, "plugins"))
    for p in plugins:
        archive.add_file(p, os.path.join("wall/plugins", os.path.basename(p)))
    archive.add_tree(os.path.join(build_root, "shaders"), "wall/shaders")

    elfs = [wall] + plugins
    if udev:
        udevadm, rules = udev_files()
        elfs.append(udevadm)
        archive.add_file(udevadm, "usr/bin/udevadm")
        archive.add_symlink("usr/lib/systemd/systemd-udevd", "/usr/bin/udevadm")
        archive.add_tree(rules, "usr/lib/udev/rules.d")
        archive.add_bytes("etc/vm/udev", b"")
    libc = next(l for l in shared_libraries([wall]) if "/libc.so" in l)
    libdir = os.path.realpath(os.path.dirname(libc))
    # A sanitized or chatty wall keeps its settings in the guest too.
    extra_env = env or {}
    env = {k: v for k, v in os.environ.items() if k in FORWARDED_ENV}
    env.update(extra_env)
    env.update({"WALL_PLUGIN_PATH": "/wall/plugins", "WALL_SHADER_PATH": "/wall/shaders",
                "HOME": "/root", "XDG_RUNTIME_DIR": "/run", "XDG_STATE_HOME": "/tmp/state"})
    if renderer == "gl":
        extra = gl_files(libdir)
        elfs += extra
        for f in extra:
            archive.add_file(os.path.realpath(f), f)
        for vendor in glob.glob("/usr/share/glvnd/egl_vendor.d/*mesa*.json"):
            archive.add_file(vendor)
        env["MESA_LOADER_DRIVER_OVERRIDE"] = "kms_swrast"
    folders = add_libraries(archive, elfs)
    env["LD_LIBRARY_PATH"] = ":".join(sorted(folders | {libdir, os.path.join(libdir, "dri")}))

    # libinput's device quirks, which it reads at start.
    if os.path.isdir("/usr/share/libinput"):
        archive.add_tree("/usr/share/libinput", "usr/share/libinput")
    if os.path.isdir("/etc/fonts"):
        archive.add_tree("/etc/fonts", "etc/fonts")
    for font in FONT_GLOBS:
        for f in glob.glob(font):
            archive.add_file(f)

    # The layout with the files beside it, in a folder of its own: where it
    # is on this machine may be under /tmp, which the guest mounts over.
    layout = os.path.abspath(layout)
    archive.add_tree(os.path.dirname(layout), "wall/layout")
    guest_layout = "/wall/layout/" + os.path.basename(layout)
    archive.add_file(layout, guest_layout.lstrip("/"))

    archive.add_bytes("etc/vm/env", "".join(
        f"export {k}={shlex.quote(v)}\n" for k, v in sorted(env.items())).encode())
    args = " ".join(shlex.quote(a) for a in wall_args + [guest_layout])
    archive.add_bytes("init", INIT.replace("{args}", args).encode(), 0o755)
    archive.close()
    return os.path.getsize(out_path)
