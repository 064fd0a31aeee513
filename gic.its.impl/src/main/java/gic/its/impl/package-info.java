/** ITS-backed GIC provider; see README. */
package gic.its.impl;
