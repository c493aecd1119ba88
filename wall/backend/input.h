/*
 * Keys without a desktop: keyboards, numeric keypads and USB presenter
 * remotes read with libinput, for backends that own the machine (kms).
 *
 * With a udev daemon running, libinput's udev backend finds the devices
 * of seat0 and follows them as they come and go. Without one (a bare
 * initramfs, a container), the path backend opens every /dev/input/event*
 * that has keys once, at start. Everything runs on the render thread.
 */
#ifndef WALL_BACKEND_INPUT_H
#define WALL_BACKEND_INPUT_H

#include <stdbool.h>

#include "backend.h"

struct wall_input;

/**
 * Start reading every keyboard-like device, and log "input: reading N
 * devices: NAME, ..." once they are open (a test waits for that line
 * before it presses anything). Devices open through backend's seat
 * (wall_kms_backend_open_device); backend may be NULL: open() as root.
 * Returns NULL, having logged why, when libinput cannot start.
 */
struct wall_input *wall_input_create(struct wall_backend *backend);
/** Accepts NULL. */
void wall_input_destroy(struct wall_input *input);

/**
 * The next key pressed since the last call: its Linux key code and the
 * device, as peer "input:NAME". Never blocks. Returns false when none is
 * waiting. Releases and other events are dropped on the way.
 */
bool wall_input_take_key(struct wall_input *input, struct wall_key *key);

/** Let the devices go while the session is away (VT switch), and take them back. */
void wall_input_suspend(struct wall_input *input);
void wall_input_resume(struct wall_input *input);

#endif
