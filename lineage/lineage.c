/* placeholder: being written */
typedef int ldfi_placeholder_lineage;
