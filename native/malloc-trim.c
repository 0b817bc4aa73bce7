// malloc_trim(0) for Node: gives the pages glibc's malloc holds free in the middle of its arenas back to the kernel.
// glibc returns freed memory by itself only from the top of an arena, so after a large transfer the node's RSS kept
// 5-6 MiB of freed small buffers for good (bench/README.md, "What a 5,000-file mirror leaves"). Built by
// scripts/build-native.mjs; called by services/storage/garbage-pacer.ts once work has gone quiet.
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value trim (napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#if defined(__GLIBC__)
  released = malloc_trim(0);
#endif
  napi_value result;
  napi_get_boolean(env, released != 0, &result);
  return result;
}

static napi_value init (napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "trim", NAPI_AUTO_LENGTH, trim, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "trim", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
