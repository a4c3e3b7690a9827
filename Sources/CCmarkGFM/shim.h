#ifndef FEEDD_CCMARKGFM_SHIM_H
#define FEEDD_CCMARKGFM_SHIM_H
/* cmark-gfm's public API and its core (GFM) extensions. These headers
 * include only <stdio.h>, <stdint.h> and <stdbool.h>: nothing that could
 * clash with Foundation the way libxml2's ICU types do (see CLibXML2). */
#include <cmark-gfm.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm-core-extensions.h>
#endif
