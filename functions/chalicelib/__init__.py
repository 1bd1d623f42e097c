"""Forms API logic, packaged by Chalice with the functions: forms, store, tables."""
