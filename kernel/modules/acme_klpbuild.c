// SPDX-License-Identifier: GPL-2.0
/*
 * acme_klpbuild: a livepatch laid out the way the in-tree klp-build (6.19+)
 * lays out its output, for the reader's tests: no static klp_patch, but
 * compact tables in the sections .init.klp_objects and .init.klp_funcs
 * (struct klp_object_ext / klp_func_ext, declared here because 6.1 and 6.12
 * lack include/linux/livepatch_external.h), from which the init code builds
 * the klp_patch at run time. `replace` is set in code, so the module also
 * states it in .modinfo (patchwise_replace), where patchwise can read it.
 *
 * It patches meminfo_proc_show(): /proc/meminfo reads "acme_klpbuild: patched".
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

struct acme_klp_func_ext {
	const char *old_name;
	void *new_func;
	unsigned long sympos;
};

struct acme_klp_object_ext {
	const char *name;
	struct acme_klp_func_ext *funcs;
	struct klp_callbacks callbacks;
	unsigned int nr_funcs;
};

static int acme_klpbuild_meminfo_show(struct seq_file *m, void *v)
{
	seq_puts(m, "acme_klpbuild: patched\n");
	return 0;
}

static struct acme_klp_func_ext vmlinux_funcs[] __section(".init.klp_funcs") __used = {
	{ .old_name = "meminfo_proc_show", .new_func = acme_klpbuild_meminfo_show },
};

static struct acme_klp_object_ext objects[] __section(".init.klp_objects") __used = {
	{ .name = NULL, .funcs = vmlinux_funcs, .nr_funcs = ARRAY_SIZE(vmlinux_funcs) },
};

static struct klp_patch *patch;

static void acme_klpbuild_free(void)
{
	struct klp_object *obj;

	if (!patch)
		return;
	for (obj = patch->objs; obj && (obj->name || obj->funcs); obj++)
		kfree(obj->funcs);
	kfree(patch->objs);
	kfree(patch);
	patch = NULL;
}

static int __init acme_klpbuild_init(void)
{
	unsigned int i, j, nr = ARRAY_SIZE(objects);
	int ret;

	patch = kzalloc(sizeof(*patch), GFP_KERNEL);
	if (!patch)
		return -ENOMEM;
	patch->mod = THIS_MODULE;
	patch->replace = false;
	patch->objs = kcalloc(nr + 1, sizeof(*patch->objs), GFP_KERNEL);
	if (!patch->objs)
		goto nomem;
	for (i = 0; i < nr; i++) {
		struct klp_object *obj = &patch->objs[i];

		obj->name = objects[i].name;
		obj->callbacks = objects[i].callbacks;
		obj->funcs = kcalloc(objects[i].nr_funcs + 1, sizeof(*obj->funcs), GFP_KERNEL);
		if (!obj->funcs)
			goto nomem;
		for (j = 0; j < objects[i].nr_funcs; j++) {
			obj->funcs[j].old_name = objects[i].funcs[j].old_name;
			obj->funcs[j].new_func = objects[i].funcs[j].new_func;
			obj->funcs[j].old_sympos = objects[i].funcs[j].sympos;
		}
	}
	ret = klp_enable_patch(patch);
	if (ret)
		acme_klpbuild_free();
	return ret;
nomem:
	acme_klpbuild_free();
	return -ENOMEM;
}

static void __exit acme_klpbuild_exit(void)
{
	acme_klpbuild_free();
}

module_init(acme_klpbuild_init);
module_exit(acme_klpbuild_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("patchwise test livepatch: klp-build's table layout");
MODULE_INFO(livepatch, "Y");
MODULE_INFO(patchwise_vendor, "acme");
MODULE_INFO(patchwise_version, "0.2.0");
MODULE_INFO(patchwise_replace, "false");
