/*
 * The layout table of net.h, generated from its field lists and exported, so the TypeScript wrapper takes
 * every offset from the kernel it actually loaded instead of a hand-kept copy (compute/fused/kernelLayout.ts).
 *
 * Entry i (0 ≤ i < mlp_layout_count()) is a name and three ints:
 *   "Net" / "Layer"         kind 's', offset 0, size = sizeof the struct
 *   "Net.eps", "Layer.W", … kind 'i' (int), 'f' (float) or 'p' (pointer); byte offset; size in bytes
 *   "act.tanh", …           kind 'c' (a constant), offset = its value, size 4
 * Names are NUL-terminated ASCII in the kernel's memory; the table is read once per load.
 */
#ifndef MLP_LAYOUT_H
#define MLP_LAYOUT_H
#include "net.h"

typedef struct {
  const char *name;
  int offset, size, kind;
} LayoutEntry;

#define KIND_OF(expr) _Generic((expr), int: 'i', float: 'f', default: 'p')
#define NET_ENTRY(type, f) {"Net." #f, __builtin_offsetof(Net, f), sizeof(((Net *)0)->f), KIND_OF(((Net *)0)->f)},
#define LAYER_ENTRY(type, f) {"Layer." #f, __builtin_offsetof(Layer, f), sizeof(((Layer *)0)->f), KIND_OF(((Layer *)0)->f)},
#define ACT_ENTRY(code, name, value) {"act." name, ACT_##code, 4, 'c'},

static const LayoutEntry layout[] = {
  {"Net", 0, sizeof(Net), 's'},
  NET_FIELDS(NET_ENTRY)
  {"Layer", 0, sizeof(Layer), 's'},
  LAYER_FIELDS(LAYER_ENTRY)
  ACTIVATIONS(ACT_ENTRY)
};

#define LAYOUT_COUNT ((int)(sizeof(layout) / sizeof(layout[0])))
/* Out-of-range indices answer a null name / −1, never read past the table. */
__attribute__((export_name("mlp_layout_count"))) int mlp_layout_count(void) { return LAYOUT_COUNT; }
__attribute__((export_name("mlp_layout_name"))) const char *mlp_layout_name(int i) { return i >= 0 && i < LAYOUT_COUNT ? layout[i].name : 0; }
__attribute__((export_name("mlp_layout_offset"))) int mlp_layout_offset(int i) { return i >= 0 && i < LAYOUT_COUNT ? layout[i].offset : -1; }
__attribute__((export_name("mlp_layout_size"))) int mlp_layout_size(int i) { return i >= 0 && i < LAYOUT_COUNT ? layout[i].size : -1; }
__attribute__((export_name("mlp_layout_kind"))) int mlp_layout_kind(int i) { return i >= 0 && i < LAYOUT_COUNT ? layout[i].kind : -1; }

#endif
