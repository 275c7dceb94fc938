# Search: pg_trgm indexes.
#
# The case search (cases.selectors.search_condition) compares a normalised text of the case's tenant: lowercased,
# unaccented and stripped of spaces and punctuation ("Müller, J." → "mullerj", "7511 AB" → "7511ab",
# "06-1234 5678" → "0612345678"), its parts (name | street and house number | postcode and house number | phone |
# e-mail | contract number) separated by "|", which pg_trgm reads as a word boundary, so a term never matches
# across two parts: cases_search_doc(...).
#
# The text is copied onto the case's permission rows (case_search), as 0004 copies the case's state, and indexed
# there with the group (btree_gin + pg_trgm): a search narrows inside the user's permission rows in one GIN scan
# before any case or tenant is read. An index on the tenants alone could not be combined with the scope: a common
# name fragment matches tens of thousands of tenants in the region, and the scope's thousands of cases would each
# have to be read with their tenant (bench/search.py: 0.4-2 s at 1,000,000 cases; this way a few milliseconds).
# Triggers keep the copy: a new row copies its case's tenant; a change of a tenant's fields (anonymisation too) or
# of a case's tenant is copied to the rows in the same statement.
#
# unaccent() is only STABLE (it reads its dictionary through the search path), so an index cannot use it. The
# well-known way out: its C function declared IMMUTABLE under another name, called with the dictionary named
# (cases_unaccent); where the migration may not create a C function (no superuser), an IMMUTABLE SQL wrapper of
# unaccent() with the same results, which PostgreSQL cannot inline (a function call a row: several times slower).
# Everything else in the two SQL functions is immutable (|| rather than the STABLE concat_ws), so PostgreSQL
# inlines them. Schemas are named so that nothing depends on the caller's search path.

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import BtreeGinExtension, TrigramExtension, UnaccentExtension
from django.db import migrations, models

FUNCTIONS = r"""
DO $do$
BEGIN
    CREATE OR REPLACE FUNCTION public.cases_unaccent(regdictionary, text) RETURNS text
        LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS '$libdir/unaccent', 'unaccent_dict';
EXCEPTION WHEN insufficient_privilege THEN
    CREATE OR REPLACE FUNCTION public.cases_unaccent(dictionary regdictionary, value text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT public.unaccent(dictionary, value) $f$;
END
$do$;

CREATE OR REPLACE FUNCTION public.cases_search_norm(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN regexp_replace(lower(public.cases_unaccent('public.unaccent'::regdictionary, value)),
                          '[^[:alnum:]]+', '', 'g');

CREATE OR REPLACE FUNCTION public.cases_search_doc(
    name text, street text, house_number text, postcode text, phone text, email text, contract_ref text
) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN regexp_replace(lower(public.cases_unaccent('public.unaccent'::regdictionary,
        coalesce(name, '') || '|' || coalesce(street, '') || coalesce(house_number, '') || '|'
        || coalesce(postcode, '') || coalesce(house_number, '') || '|' || coalesce(phone, '') || '|'
        || coalesce(email, '') || '|' || coalesce(contract_ref, ''))), '[^[:alnum:]|]+', '', 'g');
"""

COPY_SEARCH_TEXT = r"""
CREATE OR REPLACE FUNCTION cases_permission_copy_case_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT c.status, c.deadline_at, c.opened_at,
           public.cases_search_doc(t.name, t.street, t.house_number, t.postcode, t.phone, t.email, t.contract_ref)
    INTO NEW.case_status, NEW.case_deadline_at, NEW.case_opened_at, NEW.case_search
    FROM cases_case c JOIN cases_tenant t ON t.id = c.tenant_id WHERE c.id = NEW.content_object_id;
    RETURN NEW;
END $$;

CREATE FUNCTION cases_tenant_search_to_permissions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases_casegroupobjectpermission p
    SET case_search = public.cases_search_doc(t.name, t.street, t.house_number, t.postcode, t.phone, t.email,
                                              t.contract_ref)
    FROM cases_case c JOIN cases_tenant t ON t.id = c.tenant_id
    WHERE t.id = NEW.id AND c.id = p.content_object_id;
    RETURN NULL;
END $$;

CREATE TRIGGER cases_tenant_search_to_permissions
AFTER UPDATE OF name, street, house_number, postcode, phone, email, contract_ref ON cases_tenant
FOR EACH ROW WHEN (
    OLD.name IS DISTINCT FROM NEW.name OR OLD.street IS DISTINCT FROM NEW.street
    OR OLD.house_number IS DISTINCT FROM NEW.house_number OR OLD.postcode IS DISTINCT FROM NEW.postcode
    OR OLD.phone IS DISTINCT FROM NEW.phone OR OLD.email IS DISTINCT FROM NEW.email
    OR OLD.contract_ref IS DISTINCT FROM NEW.contract_ref
) EXECUTE FUNCTION cases_tenant_search_to_permissions();

CREATE FUNCTION cases_case_tenant_to_permissions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases_casegroupobjectpermission p
    SET case_search = public.cases_search_doc(t.name, t.street, t.house_number, t.postcode, t.phone, t.email,
                                              t.contract_ref)
    FROM cases_tenant t WHERE t.id = NEW.tenant_id AND p.content_object_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER cases_case_tenant_to_permissions
AFTER UPDATE OF tenant_id ON cases_case
FOR EACH ROW WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
EXECUTE FUNCTION cases_case_tenant_to_permissions();

UPDATE cases_casegroupobjectpermission p
SET case_search = public.cases_search_doc(t.name, t.street, t.house_number, t.postcode, t.phone, t.email,
                                          t.contract_ref)
FROM cases_case c JOIN cases_tenant t ON t.id = c.tenant_id WHERE c.id = p.content_object_id;
"""

# As migration 0004 wrote it.
COPY_SEARCH_TEXT_REVERSE = r"""
DROP TRIGGER IF EXISTS cases_case_tenant_to_permissions ON cases_case;
DROP FUNCTION IF EXISTS cases_case_tenant_to_permissions();
DROP TRIGGER IF EXISTS cases_tenant_search_to_permissions ON cases_tenant;
DROP FUNCTION IF EXISTS cases_tenant_search_to_permissions();
CREATE OR REPLACE FUNCTION cases_permission_copy_case_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT c.status, c.deadline_at, c.opened_at INTO NEW.case_status, NEW.case_deadline_at, NEW.case_opened_at
    FROM cases_case c WHERE c.id = NEW.content_object_id;
    RETURN NEW;
END $$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS public.cases_search_doc(text, text, text, text, text, text, text);
DROP FUNCTION IF EXISTS public.cases_search_norm(text);
DROP FUNCTION IF EXISTS public.cases_unaccent(regdictionary, text);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0013_arrangement_instalments'),
    ]

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        BtreeGinExtension(),
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.AddField(
            model_name='casegroupobjectpermission',
            name='case_search',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.RunSQL(COPY_SEARCH_TEXT, COPY_SEARCH_TEXT_REVERSE),
        migrations.AddIndex(
            model_name='casegroupobjectpermission',
            index=GinIndex(
                fields=['group', 'case_search'], name='case_perm_search_trgm_idx',
                opclasses=['int4_ops', 'gin_trgm_ops'],
            ),
        ),
        # The planner estimates a search from the column's statistics.
        migrations.RunSQL("ANALYZE cases_casegroupobjectpermission", migrations.RunSQL.noop),
    ]
