#ifndef WALL_BACKEND_SDL_KEYS_H
#define WALL_BACKEND_SDL_KEYS_H

/** The Linux key code at SDL scancode's position, or 0 for keys a wall does not bind. */
int wall_sdl_linux_key(int scancode);

#endif
