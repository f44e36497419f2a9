// A small shop on React 19 + React Router 7 + Formik, bundled by apps.e2e.test.ts with esbuild.
// Routes set document.title in an effect (after the router rendered), /old redirects with
// <Navigate replace>, and /signup is a Formik form (action="#", no id or name) whose client
// validation rejects a bad e-mail address by marking the field aria-invalid.
import { Field, Form, Formik } from 'formik';
import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Link, Navigate, Route, Routes, useNavigate, useParams } from 'react-router';

function useTitle(title) {
  useEffect(() => {
    document.title = title;
  }, [title]);
}

function Page({ title, heading }) {
  useTitle(title);
  return <h1>{heading}</h1>;
}

function Profile() {
  const { email } = useParams();
  useTitle(`Profile of ${email} · Shop`);
  return <h1>Profile</h1>;
}

function Signup() {
  useTitle('Sign up · Shop');
  const navigate = useNavigate();
  return (
    <Formik
      initialValues={{ email: '', name: '' }}
      validate={(v) => {
        const errors = {};
        if (!/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(v.email)) errors.email = 'Enter an e-mail address';
        if (!v.name) errors.name = 'Required';
        return errors;
      }}
      onSubmit={async () => {
        await new Promise((r) => setTimeout(r, 30)); // the API call
        navigate('/welcome');
      }}
    >
      {({ errors, touched }) => (
        <Form>
          <label>
            E-mail <Field id="email" name="email" aria-invalid={touched.email && errors.email ? 'true' : 'false'} />
          </label>
          {touched.email && errors.email ? <p role="alert">{errors.email}</p> : null}
          <label>
            Name <Field id="name" name="name" aria-invalid={touched.name && errors.name ? 'true' : 'false'} />
          </label>
          <button id="create" type="submit">
            Create account
          </button>
        </Form>
      )}
    </Formik>
  );
}

function App() {
  return (
    <BrowserRouter>
      <nav>
        <Link id="to-home" to="/">Home</Link> <Link id="to-products" to="/products">Products</Link>{' '}
        <Link id="to-old" to="/old">Offers</Link> <Link id="to-signup" to="/signup">Sign up</Link>{' '}
        <Link id="to-user" to="/users/alice.canary@example.com">
          <b>alice.canary</b>@example.com
        </Link>
      </nav>
      <Routes>
        <Route path="/" element={<Page title="Home · Shop" heading="Home" />} />
        <Route path="/products" element={<Page title="Products · Shop" heading="Products" />} />
        <Route path="/old" element={<Navigate replace to="/new" />} />
        <Route path="/new" element={<Page title="New offers · Shop" heading="New offers" />} />
        <Route path="/users/:email" element={<Profile />} />
        <Route path="/signup" element={<Signup />} />
        <Route path="/welcome" element={<Page title="Welcome · Shop" heading="Welcome" />} />
        <Route path="*" element={<Page title="Not found · Shop" heading="Not found" />} />
      </Routes>
    </BrowserRouter>
  );
}

createRoot(document.getElementById('root')).render(<App />);
