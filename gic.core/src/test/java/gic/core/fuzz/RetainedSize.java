package gic.core.fuzz;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * An estimate of the heap an object graph holds, found by walking it: 16 bytes per object plus 8 per
 * field, arrays at their element size, JDK collections and atomic arrays through their public API. Static
 * fields are not followed, nor objects the caller excludes (the host and its RAM, which the GIC is given,
 * not owns). It is an estimate for a bound, not an exact figure: what matters is that it counts every
 * array the model allocates, so a structure that grows with what the guest does shows.
 */
public final class RetainedSize {

    private static final int HEADER = 16;
    private static final int REF = 8;

    private final Set<Object> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Deque<Object> worklist = new ArrayDeque<>();
    private final Map<Class<?>, Field[]> fieldsByClass = new IdentityHashMap<>();
    private long bytes;

    private RetainedSize() {
    }

    /** Bytes held by {@code root}, not counting anything reachable only through {@code excluded}. */
    public static long of(Object root, Object... excluded) {
        RetainedSize w = new RetainedSize();
        for (Object e : excluded) {
            w.seen.add(e);
        }
        w.push(root);
        while (!w.worklist.isEmpty()) {
            w.visit(w.worklist.pop());
        }
        return w.bytes;
    }

    private void push(Object o) {
        if (o != null && !isShared(o) && seen.add(o)) {
            worklist.push(o);
        }
    }

    /** Objects that belong to the JVM or are shared by every GIC: not this GIC's state. */
    private static boolean isShared(Object o) {
        if (o instanceof Class || o instanceof Thread || o instanceof ClassLoader || o instanceof Enum
            || o instanceof System.Logger || o instanceof java.util.logging.Logger) {
            return true;
        }
        String n = o.getClass().getName();
        return n.startsWith("java.lang.invoke.") || n.startsWith("jdk.internal.");
    }

    private void visit(Object o) {
        Class<?> c = o.getClass();
        if (c.isArray()) {
            int n = Array.getLength(o);
            Class<?> e = c.getComponentType();
            bytes += HEADER + (long) n * elementBytes(e);
            if (!e.isPrimitive()) {
                for (Object x : (Object[]) o) {
                    push(x);
                }
            }
            return;
        }
        if (o instanceof String s) {
            bytes += HEADER + 24 + s.length();
        } else if (o instanceof AtomicLongArray a) {
            bytes += 2 * HEADER + 8L * a.length();
        } else if (o instanceof AtomicIntegerArray a) {
            bytes += 2 * HEADER + 4L * a.length();
        } else if (o instanceof AtomicReferenceArray<?> a) {
            bytes += 2 * HEADER + (long) REF * a.length();
            for (int i = 0; i < a.length(); i++) {
                push(a.get(i));
            }
        } else if (o instanceof Map<?, ?> m && c.getName().startsWith("java.")) {
            bytes += 2 * HEADER + 48L * m.size();
            m.forEach((k, v) -> {
                push(k);
                push(v);
            });
        } else if (o instanceof Collection<?> col && c.getName().startsWith("java.")) {
            bytes += 2 * HEADER + (long) REF * col.size();
            col.forEach(this::push);
        } else if (c.getName().startsWith("java.") || c.getName().startsWith("sun.")) {
            bytes += HEADER + 64; // a small JDK object (LongAdder, AtomicLong, boxed value...)
        } else {
            bytes += HEADER;
            for (Field f : fields(c)) {
                bytes += f.getType().isPrimitive() ? elementBytes(f.getType()) : REF;
                if (!f.getType().isPrimitive()) {
                    try {
                        push(f.get(o));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
    }

    private Field[] fields(Class<?> c) {
        return fieldsByClass.computeIfAbsent(c, k -> {
            java.util.List<Field> out = new java.util.ArrayList<>();
            for (Class<?> t = k; t != null && t != Object.class; t = t.getSuperclass()) {
                for (Field f : t.getDeclaredFields()) {
                    if (!Modifier.isStatic(f.getModifiers()) && f.trySetAccessible()) {
                        out.add(f);
                    }
                }
            }
            return out.toArray(new Field[0]);
        });
    }

    private static int elementBytes(Class<?> t) {
        if (t == long.class || t == double.class) {
            return 8;
        }
        if (t == int.class || t == float.class) {
            return 4;
        }
        if (t == short.class || t == char.class) {
            return 2;
        }
        if (t == byte.class || t == boolean.class) {
            return 1;
        }
        return REF;
    }
}
