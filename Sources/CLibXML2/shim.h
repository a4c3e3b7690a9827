#ifndef FEEDD_CLIBXML2_SHIM_H
#define FEEDD_CLIBXML2_SHIM_H
/* Debian's libxml2 is built with ICU; its headers then pull in ICU types
 * that clash with Foundation's copy ("UErrorCode has different definitions").
 * feedd never uses libxml2's ICU encoders, so hide them. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/xmlwriter.h>
#include <libxml/xmlsave.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/HTMLtree.h>
#include <libxml/xmlerror.h>
#include <libxml/relaxng.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#endif
