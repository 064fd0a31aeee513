/** Reference host emulator for the GIC providers; see README. */
package gic.host;
