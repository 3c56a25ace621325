package terraform

import "testing"

func TestAWSManagedAdmin(t *testing.T) {
	for _, c := range []struct {
		arn          string
		admin, known bool
	}{
		{"arn:aws:iam::aws:policy/AdministratorAccess", true, true},
		{"arn:aws-us-gov:iam::aws:policy/AdministratorAccess", true, true},
		{"arn:aws:iam::aws:policy/ReadOnlyAccess", false, true},
		{"arn:aws:iam::aws:policy/AmazonRDSFullAccess", false, false},
		{"arn:aws:iam::111122223333:policy/AdministratorAccess", false, false},
	} {
		admin, known := awsManagedAdmin(c.arn)
		if admin != c.admin || known != c.known {
			t.Errorf("%s: (%v, %v), want (%v, %v)", c.arn, admin, known, c.admin, c.known)
		}
	}
}
