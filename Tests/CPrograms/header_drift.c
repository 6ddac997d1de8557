/* Compiled together with the Swift-generated header: any declaration in include/hermesoauth.h that
 * disagrees with the Swift export of the same name is a "conflicting types" error. */
#include <hermesoauth.h>
#include "HermesOAuthC-Swift.h"
