/** DirectLPI-only GIC provider; see README. */
package gic.directlpi.impl;
